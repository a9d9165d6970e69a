/**
 * Where a CLI keeps its credentials (SPEC §13): `$<APP>_CONFIG_DIR/env`, then
 * `$XDG_CONFIG_HOME/<app>/env`, then `~/.config/<app>/env`; on Windows `%APPDATA%\<app>\env`.
 */
import { homedir } from 'node:os';
import path from 'node:path';
import { KeycardError } from '../core/errors.ts';

/** What the path depends on; tests pass their own. @default process.env, process.platform, os.homedir() */
export interface PathEnvironment {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly platform?: NodeJS.Platform;
  readonly home?: string;
}

const APP = /^[a-z][a-z0-9-]{0,39}$/;

/** `acme-cli` → `ACME_CLI`: the prefix of the app's environment variables. */
export function envPrefix(app: string): string {
  if (typeof app !== 'string' || !APP.test(app))
    throw new KeycardError(
      'invalid_argument',
      'app must be 1 to 40 lower-case letters, digits or dashes, starting with a letter',
    );
  return app.toUpperCase().replace(/-/g, '_');
}

/**
 * The credentials file of `app`. A set but empty variable counts as unset, as the XDG spec says.
 *
 * @example
 * ```ts
 * credentialsPath('toado') // '/home/jason/.config/toado/env', or $TOADO_CONFIG_DIR/env
 * ```
 */
export function credentialsPath(app: string, where: PathEnvironment = {}): string {
  const prefix = envPrefix(app);
  const env = where.env ?? process.env;
  const platform = where.platform ?? process.platform;
  const p = platform === 'win32' ? path.win32 : path.posix;
  const set = (name: string) => (env[name] !== undefined && env[name] !== '' ? env[name] : undefined);
  const own = set(`${prefix}_CONFIG_DIR`);
  if (own !== undefined) return p.join(own, 'env');
  if (platform === 'win32') {
    const appData = set('APPDATA') ?? p.join(where.home ?? homedir(), 'AppData', 'Roaming');
    return p.join(appData, app, 'env');
  }
  const xdg = set('XDG_CONFIG_HOME');
  if (xdg !== undefined && p.isAbsolute(xdg)) return p.join(xdg, app, 'env');
  return p.join(where.home ?? homedir(), '.config', app, 'env');
}
