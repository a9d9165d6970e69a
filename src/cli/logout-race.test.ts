/**
 * `logout` racing a `login` on a real file system (SPEC §13). `removeCredentials(app, { revoke })`
 * reads the file, awaits the revoke (a network round trip, seconds on a slow link), then deletes
 * the file. A `login` in another terminal that writes its new token in that window must not see
 * its file deleted: the new token would stay live on the server with its only copy gone, the very
 * thing `revoke` is there to prevent ("a token that still works must not be forgotten").
 */
import { mkdtempSync, promises as fs, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeycardError } from '../core/errors.ts';
import { readCredentials, removeCredentials, writeCredentials } from './index.ts';

const OLD = 'toado_sk_1abcdefghijklmnopqrstuvwxyzABCDEF000000';
const NEW = 'toado_sk_1ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvu111111';
let root: string;
let previousUmask: number;
beforeAll(() => {
  previousUmask = process.umask(0o022);
  root = mkdtempSync(path.join(tmpdir(), 'kc-logout-'));
});
afterAll(async () => {
  process.umask(previousUmask);
  await fs.rm(root, { recursive: true, force: true });
});
let n = 0;
const fresh = () => ({ env: { TOADO_CONFIG_DIR: path.join(root, `case-${++n}`, 'toado') } });

describe('logout racing a login', () => {
  it('a token written while the old one is being revoked keeps its file; logout says so (conflict), quoting no token', async () => {
    const o = fresh();
    const file = await writeCredentials('toado', { token: OLD, tokenId: 'tok_old' }, o);
    const revoked: string[] = [];
    const error = await removeCredentials('toado', {
      ...o,
      revoke: async (c) => {
        revoked.push(c.tokenId!);
        // Another terminal's login lands while the revoke call is on the wire.
        await writeCredentials('toado', { token: NEW, tokenId: 'tok_new' }, o);
      },
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(revoked).toEqual(['tok_old']);
    expect((await readCredentials('toado', o))?.token).toBe(NEW);
    expect(error).toBeInstanceOf(KeycardError);
    expect((error as KeycardError).code).toBe('conflict');
    expect((error as KeycardError).message).toContain(file);
    expect((error as KeycardError).message).not.toContain(NEW.slice(10));
    expect((error as KeycardError).message).not.toContain(OLD.slice(10));
    // Nothing left behind beside the file: no temp or aside copy.
    expect(readdirSync(path.dirname(file))).toEqual(['env']);
  });

  it('the same file, unchanged during the revoke, is deleted as before (control)', async () => {
    const o = fresh();
    const file = await writeCredentials('toado', { token: OLD, tokenId: 'tok_old' }, o);
    expect(await removeCredentials('toado', { ...o, revoke: async () => {} })).toBe(true);
    expect(readdirSync(path.dirname(file))).toEqual([]);
  });

  it('a file removed while the revoke is on the wire (a second logout): false, no error, nothing left behind', async () => {
    const o = fresh();
    const file = await writeCredentials('toado', { token: OLD, tokenId: 'tok_old' }, o);
    const revoke = async () => void (await fs.unlink(file));
    expect(await removeCredentials('toado', { ...o, revoke })).toBe(false);
    expect(readdirSync(path.dirname(file))).toEqual([]);
  });

  it('property: whenever a login writes (before, during or after the logout; the revoke failing or not), the live token is in the file', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('before', 'during', 'after', 'none'),
        fc.boolean(),
        async (when, revokeFails) => {
          const o = fresh();
          await writeCredentials('toado', { token: OLD, tokenId: 'tok_old' }, o);
          const live = new Set([OLD]);
          const login = async () => {
            live.add(NEW);
            await writeCredentials('toado', { token: NEW, tokenId: 'tok_new' }, o);
          };
          if (when === 'before') await login();
          await removeCredentials('toado', {
            ...o,
            revoke: async (c) => {
              if (when === 'during') await login();
              if (revokeFails) throw new Error('offline');
              live.delete(c.token);
            },
          }).catch((e: unknown) => {
            const expected = revokeFails
              ? e instanceof Error && e.message === 'offline'
              : e instanceof KeycardError && e.code === 'conflict';
            if (!expected) throw e;
          });
          if (when === 'after') await login();
          // A live new token is the one the file holds; else the old one while it works and no login
          // replaced it (a login overwriting a live token forgets it by itself: not logout's doing); else no file.
          const held = (await readCredentials('toado', o))?.token ?? null;
          const newest = live.has(NEW) ? NEW : when === 'none' && live.has(OLD) ? OLD : null;
          expect(held).toBe(newest);
        },
      ),
      { numRuns: 40 },
    );
  });
});
