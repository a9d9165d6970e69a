/**
 * The credentials file on a real file system: modes under a 022 umask, atomic replacement seen
 * by a concurrent reader, symlinks refused, a 0644 file refused with the chmod hint, the paths of
 * SPEC §13, and flag → env → file precedence. Then what a real machine holds: a config folder
 * that already exists with a looser mode or belongs to someone else, a folder of /tmp's kind,
 * something that is not a file at the path, and contents no writer of ours produced — each a
 * KeycardError naming the path, never quoting a value (a value may be the token).
 */
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  promises as fs,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeycardError } from '../core/errors.ts';
import { credentialsPath, readCredentials, removeCredentials, resolveToken, writeCredentials } from './index.ts';

const TOKEN = 'toado_sk_1abcdefghijklmnopqrstuvwxyzABCDEF000000';
let root: string;
let previousUmask: number;
beforeAll(() => {
  previousUmask = process.umask(0o022);
  root = mkdtempSync(path.join(tmpdir(), 'kc-cli-'));
});
afterAll(async () => {
  process.umask(previousUmask);
  await fs.rm(root, { recursive: true, force: true });
});
let n = 0;
const fresh = () => ({ env: { TOADO_CONFIG_DIR: path.join(root, `case-${++n}`, 'toado') } });

describe('credentialsPath', () => {
  it('$<APP>_CONFIG_DIR, then $XDG_CONFIG_HOME/<app>, then ~/.config/<app>; %APPDATA%\\<app> on Windows', () => {
    expect(
      credentialsPath('toado', {
        env: { TOADO_CONFIG_DIR: '/c', XDG_CONFIG_HOME: '/x' },
        home: '/h',
        platform: 'linux',
      }),
    ).toBe('/c/env');
    expect(credentialsPath('toado', { env: { XDG_CONFIG_HOME: '/x' }, home: '/h', platform: 'linux' })).toBe(
      '/x/toado/env',
    );
    expect(credentialsPath('toado', { env: { XDG_CONFIG_HOME: '' }, home: '/h', platform: 'darwin' })).toBe(
      '/h/.config/toado/env',
    );
    expect(credentialsPath('acme-cli', { env: { ACME_CLI_CONFIG_DIR: '/a' }, home: '/h', platform: 'linux' })).toBe(
      '/a/env',
    );
    expect(
      credentialsPath('toado', {
        env: { APPDATA: 'C:\\Users\\j\\AppData\\Roaming' },
        home: 'C:\\Users\\j',
        platform: 'win32',
      }),
    ).toBe('C:\\Users\\j\\AppData\\Roaming\\toado\\env');
  });

  it('an empty $<APP>_CONFIG_DIR counts as unset, as an empty $XDG_CONFIG_HOME does: the next source, not invalid_config', () => {
    const where = (env: Record<string, string>) => ({ env, home: '/h', platform: 'linux' }) as const;
    expect(credentialsPath('toado', where({ TOADO_CONFIG_DIR: '', XDG_CONFIG_HOME: '/x' }))).toBe('/x/toado/env');
    expect(credentialsPath('toado', where({ TOADO_CONFIG_DIR: '' }))).toBe('/h/.config/toado/env');
  });

  // The XDG Base Directory spec: "If an implementation encounters a relative path in any of these
  // variables it should consider the path invalid and ignore it." A relative folder would put the
  // 0600 credentials file under whatever the working directory is (a repository, a shared folder).
  it('a relative $XDG_CONFIG_HOME (or %APPDATA%) is ignored, as the XDG spec says: ~/.config/<app>', () => {
    for (const xdg of ['cfg', './cfg', '../cfg', '~/.config'])
      expect(credentialsPath('toado', { env: { XDG_CONFIG_HOME: xdg }, home: '/h', platform: 'linux' })).toBe(
        '/h/.config/toado/env',
      );
    for (const appData of ['AppData\\Roaming', 'C:AppData'])
      expect(credentialsPath('toado', { env: { APPDATA: appData }, home: 'C:\\Users\\j', platform: 'win32' })).toBe(
        'C:\\Users\\j\\AppData\\Roaming\\toado\\env',
      );
  });

  it('a relative $<APP>_CONFIG_DIR is refused (invalid_config naming the variable), never joined to the cwd', async () => {
    for (const dir of ['cfg', './toado', '../toado', '~/toado']) {
      const where = { env: { TOADO_CONFIG_DIR: dir, XDG_CONFIG_HOME: '/x' }, home: '/h', platform: 'linux' } as const;
      let error: unknown;
      try {
        credentialsPath('toado', where);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(KeycardError);
      expect((error as KeycardError).code).toBe('invalid_config');
      expect((error as KeycardError).message).toMatch(/^\$TOADO_CONFIG_DIR is a relative path/);
      // Every call that finds the file refuses the same way, and writes nothing.
      await expect(writeCredentials('toado', { token: TOKEN }, where)).rejects.toThrow(/TOADO_CONFIG_DIR/);
      await expect(readCredentials('toado', where)).rejects.toThrow(/TOADO_CONFIG_DIR/);
      await expect(resolveToken('toado', where)).rejects.toThrow(/TOADO_CONFIG_DIR/);
    }
    const win = { env: { TOADO_CONFIG_DIR: 'toado' }, home: 'C:\\Users\\j', platform: 'win32' } as const;
    expect(() => credentialsPath('toado', win)).toThrow(/TOADO_CONFIG_DIR is a relative path/);
    // A flag or $TOADO_API_TOKEN needs no file: the folder is not asked for.
    expect(
      await resolveToken('toado', { env: { TOADO_CONFIG_DIR: 'cfg', TOADO_API_TOKEN: TOKEN }, home: '/h' }),
    ).toEqual({ token: TOKEN, source: 'env' });
  });
});

describe('writeCredentials / readCredentials', () => {
  it('writes dotenv lines with a revoke comment, file 0600 in a 0700 folder under umask 022', async () => {
    const o = fresh();
    const file = await writeCredentials(
      'toado',
      { token: TOKEN, url: 'http://127.0.0.1:3000', tokenId: 'tok_1' },
      { ...o, revokeAt: 'http://127.0.0.1:3000/settings/tokens' },
    );
    expect(file).toBe(path.join(o.env.TOADO_CONFIG_DIR, 'env'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(`TOADO_API_TOKEN=${TOKEN}\nTOADO_API_URL=http://127.0.0.1:3000\nTOADO_TOKEN_ID=tok_1\n`);
    expect(text).toMatch(/^# .*\n# Revoke this token at http:\/\/127\.0\.0\.1:3000\/settings\/tokens/);
    expect(await readCredentials('toado', o)).toEqual({
      token: TOKEN,
      url: 'http://127.0.0.1:3000',
      tokenId: 'tok_1',
      path: file,
    });
    expect((await fs.readdir(path.dirname(file))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('replaces atomically: a concurrent reader sees the old file or the new one, never a partial one', async () => {
    const o = fresh();
    const long = (i: number) => ({ token: TOKEN, url: `http://h/${String(i).repeat(4000)}`, tokenId: `tok_${i}` });
    await writeCredentials('toado', long(0), o);
    const file = credentialsPath('toado', o);
    let done = false;
    const seen = new Set<string>();
    const reader = (async () => {
      while (!done) {
        const c = await readCredentials('toado', o);
        expect(c).not.toBe(null);
        expect(c!.url).toBe(`http://h/${c!.tokenId!.slice(4).repeat(4000)}`);
        seen.add(c!.tokenId!);
      }
    })();
    for (let i = 1; i <= 9; i++) await writeCredentials('toado', long(i), o);
    done = true;
    await reader;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(seen.size).toBeGreaterThan(0);
  });

  it('refuses to write through, or read, a symlink', async () => {
    const o = fresh();
    const dir = o.env.TOADO_CONFIG_DIR;
    await fs.mkdir(dir, { recursive: true });
    const target = path.join(root, `victim-${n}`);
    writeFileSync(target, 'TOADO_API_TOKEN=x\n', { mode: 0o600 });
    symlinkSync(target, path.join(dir, 'env'));
    await expect(writeCredentials('toado', { token: TOKEN }, o)).rejects.toMatchObject({ code: 'insecure_file' });
    await expect(readCredentials('toado', o)).rejects.toMatchObject({ code: 'insecure_file' });
    expect(readFileSync(target, 'utf8')).toBe('TOADO_API_TOKEN=x\n');
  });

  it('refuses a 0644 file with the chmod 600 hint', async () => {
    const o = fresh();
    const file = await writeCredentials('toado', { token: TOKEN }, o);
    chmodSync(file, 0o644);
    const error = await readCredentials('toado', o).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeycardError);
    expect((error as KeycardError).code).toBe('insecure_file');
    expect((error as KeycardError).message).toContain(`chmod 600 ${file}`);
    expect((error as KeycardError).message).toContain('0644');
    expect((error as KeycardError).message).not.toContain(TOKEN);
  });

  it('answers null without a file, and refuses values that would break a dotenv line', async () => {
    const o = fresh();
    expect(await readCredentials('toado', o)).toBe(null);
    await expect(writeCredentials('toado', { token: 'a\nTOADO_API_URL=evil' }, o)).rejects.toMatchObject({
      code: 'invalid_argument',
    });
  });
});

describe('resolveToken: flag, then env, then file', () => {
  it('takes each source in order', async () => {
    const o = fresh();
    await writeCredentials('toado', { token: TOKEN, url: 'http://file', tokenId: 'tok_f' }, o);
    expect(
      await resolveToken('toado', { ...o, flag: 'from-flag', env: { ...o.env, TOADO_API_TOKEN: 'from-env' } }),
    ).toMatchObject({ token: 'from-flag', source: 'flag' });
    expect(
      await resolveToken('toado', { env: { ...o.env, TOADO_API_TOKEN: 'from-env', TOADO_API_URL: 'http://env' } }),
    ).toEqual({ token: 'from-env', source: 'env', url: 'http://env' });
    expect(await resolveToken('toado', o)).toEqual({
      token: TOKEN,
      source: 'file',
      url: 'http://file',
      tokenId: 'tok_f',
    });
    expect(await resolveToken('toado', fresh())).toBe(null);
  });
});

describe('removeCredentials', () => {
  it('revokes first, then deletes; a failing revoke keeps the file', async () => {
    const o = fresh();
    const file = await writeCredentials('toado', { token: TOKEN, tokenId: 'tok_1' }, o);
    await expect(
      removeCredentials('toado', { ...o, revoke: async () => Promise.reject(new Error('offline')) }),
    ).rejects.toThrow('offline');
    expect(statSync(file).isFile()).toBe(true);
    const revoked: string[] = [];
    expect(await removeCredentials('toado', { ...o, revoke: async (c) => void revoked.push(c.tokenId!) })).toBe(true);
    expect(revoked).toEqual(['tok_1']);
    expect(await removeCredentials('toado', o)).toBe(false);
  });
});

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const folder = (mode: number) => {
  const dir = path.join(root, `case-${++n}`, 'toado');
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, mode);
  return { dir, o: { env: { TOADO_CONFIG_DIR: dir } } };
};
const failure = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as KeycardError,
  );

describe('writeCredentials: the folder is 0700 and ours', () => {
  for (const mode of [0o755, 0o775, 0o777])
    it(`tightens an existing ${mode.toString(8)} folder of ours to 0700`, async () => {
      const { dir, o } = folder(mode);
      const file = await writeCredentials('toado', { token: TOKEN }, o);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(statSync(file).mode & 0o777).toBe(0o600);
    });

  it('refuses a folder shared by design (sticky, like /tmp) and writes nothing', async () => {
    const { dir, o } = folder(0o1777);
    const error = await failure(writeCredentials('toado', { token: TOKEN }, o));
    expect(error).toBeInstanceOf(KeycardError);
    expect(error).toMatchObject({ code: 'insecure_file' });
    expect(error!.message).toContain(dir);
    expect(readdirSync(dir)).toEqual([]);
    expect(statSync(dir).mode & 0o7777).toBe(0o1777); // not ours to change
  });

  it.runIf(isRoot)('refuses a folder owned by another user and writes nothing', async () => {
    const { dir, o } = folder(0o700);
    chownSync(dir, 4242, 4242);
    const error = await failure(writeCredentials('toado', { token: TOKEN }, o));
    expect(error).toMatchObject({ code: 'insecure_file' });
    expect(error!.message).toContain('uid 4242');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a directory where the file should be, naming it', async () => {
    const { dir, o } = folder(0o700);
    mkdirSync(path.join(dir, 'env'));
    const calls = [
      () => writeCredentials('toado', { token: TOKEN }, o),
      () => readCredentials('toado', o),
      () => removeCredentials('toado', o),
    ];
    for (const call of calls) {
      const error = await failure(call());
      expect(error).toBeInstanceOf(KeycardError);
      expect(error!.message).toContain(`'${path.join(dir, 'env')}' is not a regular file`);
    }
    expect(readdirSync(dir)).toEqual(['env']); // no temp file left behind
  });
});

describe('readCredentials: contents we did not write are a clear error', () => {
  const cases: [string, string | Buffer][] = [
    ['an unbalanced quote', `TOADO_API_TOKEN="${TOKEN}\n`],
    ['a value with a space and a comment', `TOADO_API_TOKEN=${TOKEN} # laptop\n`],
    ['a URL with a space', `TOADO_API_TOKEN=${TOKEN}\nTOADO_API_URL=http://a b\n`],
    [
      'bytes that are not UTF-8',
      Buffer.concat([Buffer.from(`TOADO_API_TOKEN=${TOKEN}\n`), Buffer.from([0xff, 0xfe, 0x00])]),
    ],
  ];
  for (const [what, content] of cases)
    it(`${what}: invalid_config naming the file, never quoting a value`, async () => {
      const { dir, o } = folder(0o700);
      const file = path.join(dir, 'env');
      writeFileSync(file, content, { mode: 0o600 });
      const error = await failure(readCredentials('toado', o));
      expect(error).toBeInstanceOf(KeycardError);
      expect(error).toMatchObject({ code: 'invalid_config' });
      expect(error!.message).toContain(file);
      expect(error!.message).not.toContain(TOKEN);
    });

  it('still reads what people write by hand: export, quotes, CRLF, other variables', async () => {
    const { dir, o } = folder(0o700);
    writeFileSync(
      path.join(dir, 'env'),
      `# mine\r\nexport TOADO_API_TOKEN='${TOKEN}'\r\nOTHER=any thing at all\r\n TOADO_API_URL="http://h:1/api" \r\n`,
      { mode: 0o600 },
    );
    expect(await readCredentials('toado', o)).toEqual({
      token: TOKEN,
      url: 'http://h:1/api',
      path: path.join(dir, 'env'),
    });
  });

  it('an empty file, or one without a token line, is "not logged in" (null)', async () => {
    const { dir, o } = folder(0o700);
    writeFileSync(path.join(dir, 'env'), '', { mode: 0o600 });
    expect(await readCredentials('toado', o)).toBe(null);
    writeFileSync(path.join(dir, 'env'), '# logged out\nTOADO_API_URL=http://h\n', { mode: 0o600 });
    expect(await readCredentials('toado', o)).toBe(null);
  });
});
