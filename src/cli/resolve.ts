/**
 * Which token a CLI uses (SPEC §13): a flag, then the environment variable, then the file — so
 * CI and scripts set `<APP>_API_TOKEN` and never touch a file, and a person logs in once.
 */
import { KeycardError } from '../core/errors.ts';
import { isBearerToken } from './dotenv.ts';
import { envPrefix } from './paths.ts';
import { readCredentials, type CredentialsFileOptions } from './files.ts';

/** Options of {@link resolveToken}. */
export interface ResolveTokenOptions extends CredentialsFileOptions {
  /** The value of the CLI's `--token` flag, if given. */
  readonly flag?: string | undefined;
}

/** A resolved token and where it came from. */
export interface ResolvedToken {
  /** ⚠️ The secret. */
  readonly token: string;
  readonly source: 'flag' | 'env' | 'file';
  /** `<APP>_API_URL` from the environment, else from the file. */
  readonly url?: string;
  readonly tokenId?: string;
}

/**
 * The token to use, or null when there is none anywhere.
 *
 * @example
 * ```ts
 * const found = await resolveToken('toado', { flag: args.token });
 * if (!found) fail('Not logged in: run `toado login` or set TOADO_API_TOKEN');
 * ```
 */
export async function resolveToken(app: string, options: ResolveTokenOptions = {}): Promise<ResolvedToken | null> {
  const prefix = envPrefix(app);
  const env = options.env ?? process.env;
  const envUrl = env[`${prefix}_API_URL`] || undefined;
  if (options.flag) {
    sendable(options.flag, 'The --token value');
    return { token: options.flag, source: 'flag', ...(envUrl ? { url: envUrl } : {}) };
  }
  const fromEnv = env[`${prefix}_API_TOKEN`];
  if (fromEnv) {
    sendable(fromEnv, `$${prefix}_API_TOKEN`);
    return { token: fromEnv, source: 'env', ...(envUrl ? { url: envUrl } : {}) };
  }
  const file = await readCredentials(app, options);
  if (file === null) return null;
  const url = envUrl ?? file.url;
  return {
    token: file.token,
    source: 'file',
    ...(url ? { url } : {}),
    ...(file.tokenId ? { tokenId: file.tokenId } : {}),
  };
}

/**
 * Refuses a token no `Authorization` header can carry (a CR or LF from a Windows file, a NUL, a
 * space, a character past Latin-1), naming where it came from and never quoting it: `fetch` would
 * otherwise throw a bare TypeError later, or send a header the server refuses.
 */
function sendable(token: string, source: string): void {
  if (!isBearerToken(token))
    throw new KeycardError(
      'invalid_argument',
      `${source} is not a token this CLI can send (one RFC 6750 b64token of at most 1,024 characters: letters, digits, - . _ ~ + / and trailing =); check for a stray newline, space or quote`,
    );
}
