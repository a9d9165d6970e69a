/**
 * The credentials file's mode at every moment, not only at the end: the token's bytes are written
 * into a file that is 0600 already (a chmod after the write would leave a window in which a 0644
 * file holds the token), and a file already at the path with a looser mode (0644, 0666: written
 * by hand, or by an older tool) ends 0600 too, replaced rather than rewritten in place. Real files
 * under a 022 umask. And a file any bit of which lets group or others in (0604, 0640…) is not
 * read. Each test kills a mutant of src/cli/files.ts (docs/testing.md).
 */
import { chmodSync, mkdirSync, mkdtempSync, promises as fs, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeycardError } from '../core/errors.ts';
import { readCredentials, writeCredentials } from './index.ts';

const TOKEN = 'toado_sk_1abcdefghijklmnopqrstuvwxyzABCDEF000000';
let root: string;
let previousUmask: number;
beforeAll(() => {
  previousUmask = process.umask(0o022);
  root = mkdtempSync(path.join(tmpdir(), 'kc-cli-mode-'));
});
afterAll(async () => {
  process.umask(previousUmask);
  await fs.rm(root, { recursive: true, force: true });
});
let n = 0;
const fresh = () => {
  const dir = path.join(root, `case-${++n}`, 'toado');
  return { dir, o: { env: { TOADO_CONFIG_DIR: dir } } };
};

describe('writeCredentials: the token is never in a file others can read', () => {
  it('every write of the token goes into a file that is already 0600 (no chmod after the write)', async () => {
    // Observes, does not replace: each FileHandle write first records the file's own mode (fstat of
    // the real handle), then writes as it would have.
    const probe = await fs.open(path.join(root, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as Record<'writeFile' | 'write', (...a: unknown[]) => Promise<unknown>>;
    await probe.close();
    const seen: string[] = [];
    const original = { writeFile: proto.writeFile, write: proto.write };
    for (const name of ['writeFile', 'write'] as const)
      proto[name] = async function (this: fs.FileHandle, ...args: unknown[]) {
        seen.push(`${name} ${((await this.stat()).mode & 0o777).toString(8)}`);
        return original[name].apply(this, args);
      };
    try {
      const { o } = fresh();
      const file = await writeCredentials('toado', { token: TOKEN, url: 'http://127.0.0.1:3000' }, o);
      expect(readFileSync(file, 'utf8')).toContain(`TOADO_API_TOKEN=${TOKEN}\n`);
    } finally {
      Object.assign(proto, original);
    }
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen.map((s) => s.split(' ')[1]))).toEqual(new Set(['600']));
  });

  for (const mode of [0o644, 0o666])
    it(`a file already there with mode ${mode.toString(8)} (the token not yet in it) ends 0600 holding the new token`, async () => {
      const { dir, o } = fresh();
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const file = path.join(dir, 'env');
      writeFileSync(file, '# made by hand\n');
      chmodSync(file, mode);
      await writeCredentials('toado', { token: TOKEN }, o);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8')).toContain(`TOADO_API_TOKEN=${TOKEN}\n`);
    });

  // ssh's rule for ~/.ssh/id_*: any bit for group or others is refused, not only group-and-others.
  for (const mode of [0o604, 0o602, 0o640, 0o620, 0o610, 0o601])
    it(`readCredentials refuses a file of mode ${mode.toString(8).padStart(4, '0')} (insecure_file, the chmod hint, no token)`, async () => {
      const { o } = fresh();
      const file = await writeCredentials('toado', { token: TOKEN }, o);
      chmodSync(file, mode);
      const error = await readCredentials('toado', o).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KeycardError);
      expect(error).toMatchObject({ code: 'insecure_file' });
      expect((error as Error).message).toContain(`Permissions ${mode.toString(8).padStart(4, '0')} for '${file}'`);
      expect((error as Error).message).not.toContain(TOKEN);
    });
});
