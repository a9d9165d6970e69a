/**
 * Cache trust over a real Redis store (the core's rules, test/invalidation.test.ts, with the
 * Redis store's own heartbeats): with B's subscription cut, B keeps answering from its cache only
 * until the bound has passed on its (injected) monotonic clock; a lost change is caught by the
 * next heartbeat's `seq`, which makes B drop its cache.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createKeycard, memoryLimiter } from '../src/index.ts';
import type { RedisPort } from '../src/stores/redis-port.ts';
import { redisTokenStore } from '../src/stores/redis-token-store.ts';
import { fakeClock, type FakeClock } from '../src/testing/clock.ts';
import { toadoScopes } from './helpers.ts';
import { announceSkip, connectPort, DRIVERS, REDIS_URL, runPrefix } from './redis-helpers.ts';

announceSkip('redis-invalidation.test.ts');

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

/** A port whose deliveries the test can cut, or lose one change of; it counts heartbeats heard. */
function tappable(inner: RedisPort) {
  const tap = { cut: false, dropNextChange: false, heartbeats: 0 };
  const port: RedisPort = {
    ...inner,
    subscribe: (channels, onMessage) =>
      inner.subscribe(channels, (channel, message) => {
        if (tap.cut) return;
        const change = channel.endsWith(':changes');
        if (change && tap.dropNextChange) {
          tap.dropNextChange = false;
          return;
        }
        if (!change) tap.heartbeats++;
        onMessage(channel, message);
      }),
  };
  return { port, tap };
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error(`${what}: not within 5 s`);
}

for (const driver of DRIVERS) {
  describe.skipIf(!REDIS_URL)(`cache trust over the Redis store (${driver})`, () => {
    async function processes() {
      const prefix = runPrefix('trust');
      const clock = fakeClock();
      const make = async (clockOf: FakeClock) => {
        const { port, close } = await connectPort(driver);
        const { port: tapped, tap } = tappable(port);
        const store = redisTokenStore(tapped, { prefix, checkDurability: false });
        const keycard = createKeycard({
          prefix: 'acme',
          scopes: toadoScopes(),
          store,
          limiter: memoryLimiter({ clock: clockOf }),
          clock: clockOf,
          onWarning: () => {},
        });
        cleanups.push(async () => {
          await keycard.close();
          await store.close();
          await close();
        });
        await until(() => tap.heartbeats > 0, 'a first heartbeat');
        return { keycard, tap };
      };
      return { a: await make(fakeClock()), b: await make(clock), clock };
    }

    it('with B’s subscription cut, B trusts its cache only until the bound has passed', async () => {
      const { a, b, clock } = await processes();
      const { token, record } = await a.keycard.issue({ ownerId: 'usr_cut', label: 'x' });
      expect((await b.keycard.verify(token)).ok).toBe(true); // cached in B
      b.tap.cut = true; // half-open: B hears nothing more, heartbeats included
      await a.keycard.revoke(record.id);
      clock.advance(999);
      expect((await b.keycard.verify(token)).ok).toBe(true); // within the bound: the cache answers
      clock.advance(1);
      expect(await b.keycard.verify(token)).toEqual({ ok: false, code: 'token_revoked' });
    });

    it('a lost change is caught by the next heartbeat’s seq, which drops B’s cache', async () => {
      const { a, b } = await processes();
      const { token, record } = await a.keycard.issue({ ownerId: 'usr_lost', label: 'x' });
      expect((await b.keycard.verify(token)).ok).toBe(true);
      b.tap.dropNextChange = true;
      await a.keycard.revoke(record.id);
      await until(() => !b.tap.dropNextChange, 'the revocation reaching B (and being dropped)');
      const heard = b.tap.heartbeats;
      await until(() => b.tap.heartbeats > heard, 'the next heartbeat');
      expect(await b.keycard.verify(token)).toEqual({ ok: false, code: 'token_revoked' });
    });
  });
}
