/**
 * The credentials file (SPEC §13): dotenv lines a shell can `source`, written atomically with
 * mode 0600 in a 0700 folder, read only when nobody else can read it — the rules ssh applies to
 * `~/.ssh/id_*`. Writing: a temp file in the same folder opened 0600 with O_EXCL (and O_NOFOLLOW),
 * written, fsynced, renamed over the target; a reader sees the old file or the new one, never
 * half of one. A symlink at the target is refused (it could point a write, or a read, elsewhere).
 */
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { checkArguments } from '../core/arguments-check.ts';
import { KeycardError } from '../core/errors.ts';
import { DOTENV_VALUE, isBearerToken, parseCredentialsText } from './dotenv.ts';
import { credentialsPath, envPrefix, type PathEnvironment } from './paths.ts';

/** What the file holds. */
export interface Credentials {
  /** ⚠️ The secret token. */
  readonly token: string;
  /** The API's base URL. */
  readonly url?: string;
  /** The token's public id (for `logout` and for finding it in the settings page). */
  readonly tokenId?: string;
}

/** Options of the file functions. */
export interface CredentialsFileOptions extends PathEnvironment {
  /** Use this file instead of {@link credentialsPath}. */
  readonly path?: string;
}

/** Options of {@link writeCredentials}. */
export interface WriteCredentialsOptions extends CredentialsFileOptions {
  /**
   * Said in the file's comment: where a person revokes the token. One line: a control character
   * or a Unicode line break (CR, LF, U+2028…, which end a line for a shell or a dotenv parser and
   * would start a variable or a command there) is `invalid_argument`. @default `${url}`
   */
  readonly revokeAt?: string;
}

const isWindows = (o: PathEnvironment) => (o.platform ?? process.platform) === 'win32';

/**
 * `file` as one argument of the `chmod 600 …` hint a person pastes into a shell: as it is when it
 * holds no character a shell reads, else single-quoted, so a space, newline, `;` or `$(…)` in a
 * folder name cannot make the hint another command.
 */
const shellArg = (file: string) => (/^[\w./@%+=:,-]+$/.test(file) ? file : `'${file.replace(/'/g, `'\\''`)}'`);

/** What would end the comment line, for a shell, a dotenv parser or a terminal: C0, DEL, C1, U+2028, U+2029. */
const BREAKS_LINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * The largest credentials file read, in bytes. Ours is a few hundred; a bigger one was not
 * written by us, and reading it whole would cost memory (past 2 GiB, Node throws a RangeError).
 */
export const MAX_CREDENTIALS_BYTES = 65_536;

/**
 * Writes the credentials file atomically and answers its path.
 *
 * @example After a device login
 * ```ts
 * await writeCredentials('toado', { token, url: 'https://api.toado.app', tokenId });
 * ```
 */
export async function writeCredentials(
  app: string,
  values: Credentials,
  options: WriteCredentialsOptions = {},
): Promise<string> {
  const prefix = envPrefix(app);
  const isObject = (v: unknown) => typeof v === 'object' && v !== null;
  checkArguments(
    'writeCredentials',
    ['values', isObject(values), 'an object { token, url, tokenId }', values],
    ['options', isObject(options), 'an object { path, revokeAt }', options],
  );
  const file = options.path ?? credentialsPath(app, options);
  if (options.revokeAt !== undefined && (typeof options.revokeAt !== 'string' || BREAKS_LINE.test(options.revokeAt)))
    throw new KeycardError(
      'invalid_argument',
      'revokeAt must be one line of text: no control character or line break (it is written in a comment of the file)',
    );
  const lines = [
    `# ${app} API credentials. Keep this file private (mode 0600).`,
    `# Revoke this token at ${options.revokeAt ?? values.url ?? `your ${app} settings page`}, or run \`${app} logout\`.`,
  ];
  for (const [name, value] of [
    ['API_TOKEN', values.token],
    ['API_URL', values.url],
    ['TOKEN_ID', values.tokenId],
  ] as const) {
    if (value === undefined) continue;
    if (!DOTENV_VALUE.test(value) || /[\r\n]/.test(value))
      throw new KeycardError(
        'invalid_argument',
        `${prefix}_${name} holds characters a dotenv line cannot carry unquoted`,
      );
    lines.push(`${prefix}_${name}=${value}`);
  }
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  if (!isWindows(options)) await ownFolder(dir);
  await refuseSymlink(file);
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
  const handle = await fs.open(temp, flags, 0o600);
  try {
    if (!isWindows(options)) await handle.chmod(0o600);
    await handle.writeFile(`${lines.join('\n')}\n`);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await fs.rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
  await syncDir(dir);
  return file;
}

/**
 * Reads the credentials file; null when there is none. Refuses (`insecure_file`) a symlink, a
 * file readable or writable by group or others, or one owned by someone else, with the fix.
 *
 * @example
 * ```ts
 * const creds = await readCredentials('toado'); // { token, url, tokenId, path } | null
 * ```
 */
export async function readCredentials(
  app: string,
  options: CredentialsFileOptions = {},
): Promise<(Credentials & { readonly path: string }) | null> {
  const prefix = envPrefix(app);
  const file = options.path ?? credentialsPath(app, options);
  let bytes: Uint8Array;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever.
    const flags = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
    const handle = await fs.open(file, flags);
    try {
      const st = await handle.stat();
      if (!st.isFile()) throw notAFile(file);
      if (!isWindows(options)) {
        if ((st.mode & 0o077) !== 0) {
          throw new KeycardError(
            'insecure_file',
            `Permissions ${(st.mode & 0o777).toString(8).padStart(4, '0')} for '${file}' are too open: other users could read your token. Run: chmod 600 ${shellArg(file)}`,
          );
        }
        if (typeof process.getuid === 'function' && st.uid !== process.getuid()) {
          throw new KeycardError(
            'insecure_file',
            `'${file}' is owned by another user (uid ${st.uid}); refusing to use it. Remove it, log in again, then: chmod 600 ${shellArg(file)}`,
          );
        }
      }
      bytes = await readCapped(handle, file, st.size);
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP')
      throw new KeycardError(
        'insecure_file',
        `'${file}' is a symbolic link; refusing to follow it. Replace it with a regular file (chmod 600 ${shellArg(file)}).`,
      );
    throw error;
  }
  const values = parseCredentialsText(bytes, prefix, file);
  const token = values.get(`${prefix}_API_TOKEN`);
  if (token === undefined || token === '') return null;
  if (!isBearerToken(token))
    throw new KeycardError(
      'invalid_config',
      `${prefix}_API_TOKEN in '${file}' is not a token this CLI can send (one RFC 6750 b64token of at most 1,024 characters); log in again to rewrite it`,
    );
  const url = values.get(`${prefix}_API_URL`);
  const tokenId = values.get(`${prefix}_TOKEN_ID`);
  return { token, path: file, ...(url ? { url } : {}), ...(tokenId ? { tokenId } : {}) };
}

/** Options of {@link removeCredentials}. */
export interface RemoveCredentialsOptions extends CredentialsFileOptions {
  /**
   * Revokes the token before the file goes (`logout`). If it throws, the file stays and the
   * error propagates: a token that still works must not be forgotten. Answer normally when the
   * server says the token is already revoked or expired. The file is then deleted only if it
   * still holds that token: one rewritten meanwhile (a login in another terminal) is kept, and
   * the call throws `KeycardError('conflict')` naming it.
   */
  readonly revoke?: (credentials: Credentials) => Promise<void>;
}

/**
 * Deletes the credentials file, revoking the token first when `revoke` is given. Answers whether
 * there was a file.
 *
 * @example `logout`
 * ```ts
 * await removeCredentials('toado', { revoke: ({ token, url }) => revokeSelf(url, token) });
 * ```
 */
export async function removeCredentials(app: string, options: RemoveCredentialsOptions = {}): Promise<boolean> {
  const file = options.path ?? credentialsPath(app, options);
  const creds = options.revoke ? await readCredentials(app, { ...options, path: file }) : null;
  if (creds !== null) await options.revoke!(creds);
  await refuseSymlink(file);
  if (creds !== null) return removeRevoked(app, file, creds.token, options);
  try {
    await fs.unlink(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Deletes `file` only if it still holds the token just revoked. A login in another terminal may
 * have written its new token there while the revoke was on the wire; deleting that file would
 * forget a token that works. The file is first moved aside (a rename: atomic, so no write can land
 * between the check and the delete), read there, then deleted, or put back without replacing a
 * file written since (`link` fails on an existing name) and `conflict` thrown.
 */
async function removeRevoked(
  app: string,
  file: string,
  token: string,
  options: CredentialsFileOptions,
): Promise<boolean> {
  const aside = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${Math.random().toString(36).slice(2)}.logout`,
  );
  try {
    await fs.rename(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  const held = await readCredentials(app, { ...options, path: aside }).catch(() => null);
  if (held?.token === token) {
    await fs.unlink(aside);
    return true;
  }
  try {
    await fs.link(aside, file);
    await fs.unlink(aside);
  } catch {
    // A third write landed meanwhile: it stays at the path; the one moved aside is kept beside it.
    throw new KeycardError(
      'conflict',
      `'${file}' was rewritten while logging out (another login?) and a newer one replaced it too; the earlier one is kept at '${aside}'.`,
    );
  }
  throw new KeycardError(
    'conflict',
    `'${file}' was rewritten while logging out (another login?): it holds another token now, so it was kept. The token read before was revoked.`,
  );
}

/** At most {@link MAX_CREDENTIALS_BYTES}, refused by size before any read, and again if it grew. */
async function readCapped(handle: fs.FileHandle, file: string, size: number): Promise<Uint8Array> {
  const tooLarge = () =>
    new KeycardError(
      'invalid_config',
      `'${file}' is larger than ${MAX_CREDENTIALS_BYTES} bytes, so not a credentials file written by this CLI; remove it, then log in again.`,
    );
  if (size > MAX_CREDENTIALS_BYTES) throw tooLarge();
  const buffer = new Uint8Array(MAX_CREDENTIALS_BYTES + 1);
  let length = 0;
  for (;;) {
    const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
    if (bytesRead === 0) break;
    length += bytesRead;
    if (length > MAX_CREDENTIALS_BYTES) throw tooLarge();
  }
  return buffer.subarray(0, length);
}

const notAFile = (file: string) =>
  new KeycardError('invalid_config', `'${file}' is not a regular file; remove it, then log in again.`);

/** Refuses a symlink, or anything but a regular file, at `file`; nothing there is fine. */
async function refuseSymlink(file: string): Promise<void> {
  try {
    const st = await fs.lstat(file);
    if (st.isSymbolicLink())
      throw new KeycardError(
        'insecure_file',
        `'${file}' is a symbolic link; refusing to write through it. Remove it and try again.`,
      );
    if (!st.isFile()) throw notAFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/**
 * The folder a token is written into must be ours and 0700 (SPEC §13). One we own with a looser
 * mode (made earlier by another tool, or under a 000 umask) is tightened; one owned by someone
 * else, or shared by design (the sticky bit, like /tmp), is refused: its other users could
 * replace or remove the file, and it is not ours to change.
 */
async function ownFolder(dir: string): Promise<void> {
  const st = await fs.stat(dir);
  if (typeof process.getuid === 'function' && st.uid !== process.getuid())
    throw new KeycardError(
      'insecure_file',
      `'${dir}' is owned by another user (uid ${st.uid}); refusing to write a token into it. Use a folder of your own.`,
    );
  if ((st.mode & 0o077) === 0) return;
  if ((st.mode & 0o1000) !== 0)
    throw new KeycardError(
      'insecure_file',
      `'${dir}' is shared with other users (mode ${(st.mode & 0o7777).toString(8)}); refusing to write a token into it. Use a folder of your own.`,
    );
  await fs.chmod(dir, 0o700);
}

/** fsync the folder so the rename itself survives a crash; not every platform allows it. */
async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await fs.open(dir, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Windows cannot open a folder; the rename is still atomic.
  }
}
