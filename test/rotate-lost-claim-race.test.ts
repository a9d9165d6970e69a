/**
 * Two rotations of one token at once (a double-clicked "Rotate", a script retrying) where the store
 * loses the answer of one claim that never landed, while the other claim lands. The loser settles
 * its lost claim by reading the token back: one version further with the expiry it asked for. When
 * the winner asked for the same expiry (the same millisecond with the same grace, or a grace past
 * the token's remaining life), that read cannot tell whose claim it was: the loser must not take
 * the winner's claim for its own and hand out a second live successor (SPEC §6: of concurrent
 * rotations only one succeeds).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createKeycard, KeycardError, memoryAuditSink, type Keycard, type TokenStore } from '../src/index.ts';
import { fakeClock } from '../src/testing/clock.ts';
import { toadoScopes } from './helpers.ts';
import { BACKENDS } from './store-backends.ts';

/** `inner`, except that its first `update` fails as a lost answer would, without reaching the store. */
function losingFirstUpdate(inner: TokenStore): TokenStore {
  let lost = false;
  return new Proxy(inner, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (key !== 'update' || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (lost) return (value as (...a: unknown[]) => unknown).apply(target, args);
        lost = true;
        return Promise.reject(new KeycardError('unavailable', 'Token store update timed out after 500 ms'));
      };
    },
  });
}

const outcome = (p: Promise<{ record: { id: string } }>) =>
  p.then(
    (r) => r.record.id,
    (e: unknown) => {
      expect(e).toBeInstanceOf(KeycardError);
      return null;
    },
  );

describe('two rotations at once, one claim lost', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });

  const cases = [
    { name: 'graceMs 0 in one millisecond', expiresIn: '30d' as const, graceMs: 0 },
    { name: 'a grace past the remaining life', expiresIn: 3_600_000, graceMs: 86_400_000 },
  ];
  for (const backend of BACKENDS)
    for (const c of cases)
      it(`${backend.name}, ${c.name}: exactly one answers, and only its successor is live`, async () => {
        const { store: inner, close } = await backend.open();
        const store = losingFirstUpdate(inner);
        const clock = fakeClock();
        const audit = memoryAuditSink();
        const keycard: Keycard = createKeycard({
          prefix: 'acme',
          scopes: toadoScopes(),
          store,
          clock,
          audit: [audit],
          onError: () => {},
        });
        closers.push(async () => void (await keycard.close(), await close()));
        const old = await keycard.issue({ ownerId: 'u1', label: 'ci', scopes: ['read'], expiresIn: c.expiresIn });

        const ids = await Promise.all([
          outcome(keycard.rotate(old.record.id, { graceMs: c.graceMs })),
          outcome(keycard.rotate(old.record.id, { graceMs: c.graceMs })),
        ]);

        const answered = ids.filter((id) => id !== null);
        expect(answered).toHaveLength(1);
        const page = await inner.list({ ownerId: 'u1', status: 'active', now: clock.now(), limit: 500 });
        const live = page.tokens.filter((t) => t.rotatedFromId === old.record.id).map((t) => t.id);
        expect(live).toEqual(answered);
        expect(audit.events.filter((e) => e.type === 'token.rotated')).toHaveLength(1);
      });
});
