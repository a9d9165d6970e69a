/**
 * Writes sent to a paused redis-server (SIGSTOP) time out, and Redis runs them when it resumes
 * (SIGCONT): the command is on the socket. A call that threw must then leave no live token whose
 * secret nobody got, and a rotation that threw must leave the caller's old token working.
 * Each test runs its own server (test/fixtures/redis-server.mjs), never the shared one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { TokenAuditEvent } from '../src/core/audit.ts';
import { createKeycard, memoryAuditSink, type Keycard, type KeycardOptions } from '../src/index.ts';
import { memoryLimiter } from '../src/stores/memory-limiter.ts';
import { redisTokenStore } from '../src/stores/redis-token-store.ts';
import { REDIS_SERVER, startPrivateRedis, type PrivateRedis } from './fixtures/redis-server.mjs';
import { toadoScopes, watchedStore } from './helpers.ts';
import { announceSkip, connectPort, DRIVERS, REDIS_URL } from './redis-helpers.ts';

announceSkip('redis-paused-writes.test.ts');

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

async function server(): Promise<PrivateRedis> {
  const s = await startPrivateRedis({ appendonly: true });
  cleanups.push(() => s.stop());
  return s;
}

/**
 * A keycard instance on its own connections. `before(method)` runs just before each store call,
 * so a test can pause the server at the exact step it attacks (the store itself is untouched).
 */
async function app(
  driver: (typeof DRIVERS)[number],
  url: string,
  before: (method: string) => void = () => {},
  more: Partial<KeycardOptions<string>> = {},
): Promise<Keycard> {
  const { port, close } = await connectPort(driver, url);
  const store = redisTokenStore(port, { checkDurability: false });
  const spied = watchedStore(store, (method) => before(method));
  const keycard = createKeycard({
    prefix: 'acme',
    scopes: toadoScopes(),
    store: spied,
    limiter: memoryLimiter(),
    storeTimeoutMs: 200,
    onWarning: () => {},
    onError: () => {},
    ...more,
  });
  cleanups.push(async () => {
    await keycard.close();
    await store.close();
    await close();
  });
  return keycard;
}

/** Polls every 50 ms, at most 10 s. */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what}: not within 10 s`);
}

const status = async (keycard: Keycard, token: string): Promise<number> => {
  const r = await keycard.authenticate({
    method: 'GET',
    url: '/tickets',
    headers: { authorization: `Bearer ${token}` },
  });
  return r.ok ? 200 : r.skip ? 0 : r.status;
};

/** Pauses the server and resumes it `ms` later, whatever is waiting on it; resolves on resume. */
function pauseFor(redis: PrivateRedis, ms: number): Promise<void> {
  redis.pause();
  return new Promise((resolve) =>
    setTimeout(() => {
      redis.resume();
      resolve();
    }, ms),
  );
}

/** How `f` settled: its value, or the error it threw. */
const settle = <T>(f: () => Promise<T>) =>
  f().then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

const active = async (keycard: Keycard, ownerId: string) =>
  (await keycard.list({ ownerId, status: 'active' })).records.map((r) => r.id).sort();

for (const driver of DRIVERS) {
  describe.skipIf(!REDIS_URL || !REDIS_SERVER)(`writes to a paused Redis (${driver})`, () => {
    // storeTimeoutMs is 200: a 600 ms pause outlasts the call, not the settling after it; a 3 s
    // pause outlasts both.
    for (const ms of [600, 3000]) {
      it(`issue across a ${ms} ms pause: its secret works if it was returned, and no other token is live`, async () => {
        const redis = await server();
        const a = await app(driver, redis.url);
        const kept = await a.issue({ ownerId: 'usr_p', label: 'kept' });
        const resumed = pauseFor(redis, ms);
        const r = await settle(() => a.issue({ ownerId: 'usr_p', label: 'across the pause' }));
        await resumed;
        await until(async () => (await status(a, kept.token)) === 200, 'serving again');
        // A short pause is within the settling: the token landed, and its secret is answered.
        if (ms === 600) expect(r.ok).toBe(true);
        if (r.ok) {
          expect(await status(a, r.value.token)).toBe(200);
          expect(await active(a, 'usr_p')).toEqual([kept.record.id, r.value.record.id].sort());
        } else {
          expect(r.error).toMatchObject({ code: 'unavailable' });
          await until(async () => (await active(a, 'usr_p')).length === 1, 'the unheld token revoked');
          expect(await active(a, 'usr_p')).toEqual([kept.record.id]);
        }
      }, 30_000);
    }

    it('issue whose check after the create fails: the stored token is not left live', async () => {
      const redis = await server();
      let created = false;
      let resumed: Promise<void> | undefined;
      const a = await app(driver, redis.url, (method) => {
        if (method === 'create') created = true;
        else if (created && method === 'get' && !resumed) resumed = pauseFor(redis, 600);
      });
      const r = await settle(() => a.issue({ ownerId: 'usr_c', label: 'checked' }));
      expect(resumed).toBeDefined();
      await resumed;
      expect(r.ok).toBe(false);
      await until(async () => (await active(a, 'usr_c')).length === 0, 'the unheld token revoked');
    }, 30_000);

    it('rotate whose claim meets a pause: the caller keeps a working token, and no unheld one is live', async () => {
      const redis = await server();
      let armed = false;
      let resumed: Promise<void> | undefined;
      const a = await app(driver, redis.url, (method) => {
        if (armed && method === 'update') {
          armed = false;
          resumed = pauseFor(redis, 600); // the claim of the old token goes out to a paused server
        }
      });
      const old = await a.issue({ ownerId: 'usr_r', label: 'rotated' });
      armed = true;
      const r = await settle(() => a.rotate(old.record.id));
      expect(resumed).toBeDefined();
      await resumed;
      await until(async () => (await status(a, old.token)) !== 503, 'serving again');
      // Either the claim landed (the rotation is done: the successor is the one live token) or a
      // fence stopped it (an EVALSHA that met NOSCRIPT is sent again after later calls).
      if (r.ok) {
        expect(await status(a, r.value.token)).toBe(200);
        expect(await active(a, 'usr_r')).toEqual([r.value.record.id]);
      } else {
        expect(await status(a, old.token)).toBe(200);
        await until(async () => (await active(a, 'usr_r')).length === 1, 'the copy revoked');
        expect(await active(a, 'usr_r')).toEqual([old.record.id]);
      }
    }, 30_000);

    it('revokeAll across a 600 ms pause: the error is reported, and its retry audits what it revoked once', async () => {
      const redis = await server();
      const audit = memoryAuditSink();
      const errors: string[] = [];
      const a = await app(driver, redis.url, undefined, {
        audit,
        onError: (e) => errors.push(e instanceof Error ? e.message : String(e)),
      });
      const tokens = [
        await a.issue({ ownerId: 'usr_a', label: 'one' }),
        await a.issue({ ownerId: 'usr_a', label: 'two' }),
      ];
      for (const t of tokens) expect(await status(a, t.token)).toBe(200); // cached
      const resumed = pauseFor(redis, 600);
      const r = await settle(() => a.revokeAll({ ownerId: 'usr_a' }, { reason: 'offboarded' }));
      await resumed;
      expect(r).toMatchObject({ ok: false, error: { code: 'unavailable' } });
      expect(errors.filter((m) => m.includes('revokeAll of owner usr_a'))).toHaveLength(1);
      // Redis ran the command when it resumed: the tokens are revoked, unaudited so far.
      await until(async () => (await active(a, 'usr_a')).length === 0, 'the revokeAll landed');
      for (const t of tokens) expect(await status(a, t.token)).toBe(401);
      expect(await a.revokeAll({ ownerId: 'usr_a' }, { reason: 'retried' })).toEqual({ count: 2 }); // the lost call's 2
      const revoked = audit.events.filter((e): e is TokenAuditEvent => e.type === 'token.revoked');
      expect(revoked).toEqual([
        expect.objectContaining({ tokenId: null, ownerId: 'usr_a', count: 2, reason: 'offboarded' }),
      ]);
    }, 30_000);

    it('rotate whose claim meets a kill, restarted 0.5 s later: the caller keeps a working token', async () => {
      const redis = await server();
      let armed = false;
      let restarted: Promise<void> | undefined;
      const a = await app(driver, redis.url, (method) => {
        if (armed && method === 'update') {
          armed = false;
          const killed = redis.kill(); // SIGKILL now; ioredis re-sends the claim after it reconnects
          restarted = killed.then(() => new Promise((r) => setTimeout(r, 500))).then(() => redis.restart());
        }
      });
      const old = await a.issue({ ownerId: 'usr_k', label: 'rotated' });
      armed = true;
      const r = await settle(() => a.rotate(old.record.id));
      expect(restarted).toBeDefined();
      await restarted;
      await until(async () => (await status(a, old.token)) !== 503, 'serving again');
      await new Promise((r) => setTimeout(r, 500)); // whatever the client re-sends has run
      if (r.ok) {
        expect(await status(a, r.value.token)).toBe(200);
        expect(await active(a, 'usr_k')).toEqual([r.value.record.id]);
      } else {
        expect(await active(a, 'usr_k')).toEqual([old.record.id]);
        expect(await status(a, old.token)).toBe(200);
      }
    }, 30_000);
  });
}
