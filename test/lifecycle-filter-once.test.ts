/**
 * `revokeAll` and `list` check their filter once (src/core/arguments.ts) and must revoke by what that check
 * read: a filter whose owner id reads one value to the check and another after (a getter, a
 * Proxy whose `in` disagrees with its keys) must not revoke, audit or store by an id the check
 * never saw (one with a NUL, which no store keeps, or another owner's).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createKeycard, type Keycard } from '../src/index.ts';
import { toadoScopes } from './helpers.ts';

const events: { type: string }[] = [];
const keycard: Keycard = createKeycard({
  prefix: 'acme',
  scopes: toadoScopes(),
  onWarning: () => {},
  audit: { write: (e) => void events.push(e as never) },
});
afterAll(() => keycard.close());

const mine = (ownerId: string) => keycard.issue({ ownerId, label: 'mine', scopes: ['read'] });
/** A filter whose `ownerId` answers `first` to its first read and `then` to every later one. */
const twoFaced = (first: string, then: string) => {
  let reads = 0;
  return {
    get ownerId() {
      return reads++ === 0 ? first : then;
    },
  };
};

describe('revokeAll revokes by the filter its check read', () => {
  it('a getter that answers u-a to the check and another id after: u-a is revoked and audited', async () => {
    const a = (await mine('u-a')).record;
    const b = (await mine('u-b')).record;
    expect(await keycard.revokeAll(twoFaced('u-a', 'u-b'))).toEqual({ count: 1 });
    expect((await keycard.get(a.id))!.revokedAt).not.toBeNull();
    expect((await keycard.get(b.id))!.revokedAt).toBeNull();
    await keycard.flush();
    expect(events.findLast((e) => e.type === 'token.revoked')).toMatchObject({ ownerId: 'u-a', count: 1 });
  });

  it('a getter that answers a valid id to the check and one with a NUL after: no such id reaches the store', async () => {
    const c = (await mine('u-c')).record;
    expect(await keycard.revokeAll(twoFaced('u-c', 'u-\u0000c'))).toEqual({ count: 1 });
    expect((await keycard.get(c.id))!.revokedAt).not.toBeNull();
  });

  it("a Proxy whose keys say ownerId and whose `in` says no: the owner's tokens are revoked", async () => {
    const d = (await mine('u-d')).record;
    const filter = new Proxy({ ownerId: 'u-d' } as Record<string, unknown>, { has: () => false });
    expect(await keycard.revokeAll(filter as never)).toEqual({ count: 1 });
    expect((await keycard.get(d.id))!.revokedAt).not.toBeNull();
  });
});

describe('list reads by the filter its check read', () => {
  it('a limit getter that answers 1 to the check and 1,000,000 after: one record, not every one', async () => {
    for (let i = 0; i < 3; i++) await mine('u-list');
    let reads = 0;
    const filter = {
      ownerId: 'u-list',
      get limit() {
        return reads++ === 0 ? 1 : 1_000_000;
      },
    };
    const page = await keycard.list(filter);
    expect(page.records).toHaveLength(1);
    expect(page.nextCursor).not.toBeNull();
  });
});
