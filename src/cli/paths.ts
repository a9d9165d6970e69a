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
 * The credentials file of `app`. A set but empty variable counts as unset, as the XDG spec says;
 * so does a relative `$XDG_CONFIG_HOME` or `%APPDATA%` (the XDG spec: a relative path there "is
 * invalid and should be ignored"). A relative `$<APP>_CONFIG_DIR` is refused: the file would land
 * under whatever the working directory is, and ignoring a folder the person named for this app
 * would put it where they did not look.
 *
 * @throws KeycardError `invalid_config` when `$<APP>_CONFIG_DIR` is a relative path
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
  /** A folder variable's value when it is an absolute path (a relative one is ignored), else undefined. */
  const absolute = (name: string) => {
    const v = set(name);
    return v !== undefined && p.isAbsolute(v) ? v : undefined;
  };
  const ownName = `${prefix}_CONFIG_DIR`;
  const own = set(ownName);
  if (own !== undefined && !p.isAbsolute(own))
    // The value is not quoted: a folder name may hold terminal control characters.
    throw new KeycardError(
      'invalid_config',
      `$${ownName} is a relative path; it must be absolute (a shell does not expand a quoted ~), or unset for the default folder`,
    );
  if (own !== undefined) return p.join(own, 'env');
  if (platform === 'win32') {
    const appData = absolute('APPDATA') ?? p.join(where.home ?? homedir(), 'AppData', 'Roaming');
    return p.join(appData, app, 'env');
  }
  const xdg = absolute('XDG_CONFIG_HOME');
  if (xdg !== undefined) return p.join(xdg, app, 'env');
  return p.join(where.home ?? homedir(), '.config', app, 'env');
}
