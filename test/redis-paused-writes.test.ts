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

/** A PING on each app's own connection: answered once everything sent on it before has run. */
const pings = new WeakMap<Keycard, () => Promise<unknown>>();

/**
 * A keycard instance on its own connections. `before(method)` runs just before each store call,
 * so a test can pause the server at the exact step it attacks, and `after(method)` once a call
 * has answered (before its caller goes on); the store itself is untouched.
 */
async function app(
  driver: (typeof DRIVERS)[number],
  url: string,
  before: (method: string) => void = () => {},
  more: Partial<KeycardOptions<string>> = {},
  after: (method: string) => void = () => {},
): Promise<Keycard> {
  const { port, close, raw } = await connectPort(driver, url);
  const store = redisTokenStore(port, { checkDurability: false });
  const spied = watchedStore(store, (method) => before(method), after);
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
  pings.set(keycard, () => raw(['PING']));
  return keycard;
}

/**
 * A second instance on its own connection, with a deadline no loaded machine misses (10 s), for
 * the steps before a fault: under load the attacked app's 200 ms can expire on a healthy server,
 * and a setup issue then failed the test ("Token store read timed out after 200 ms").
 */
const patient = (driver: (typeof DRIVERS)[number], url: string) =>
  app(driver, url, undefined, { storeTimeoutMs: 10_000 });

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

/**
 * The answer for `token` once the app answers at all: with storeTimeoutMs at 200, a read on a
 * loaded machine can miss its deadline (a 503) after the server is back, which says nothing about
 * the token. Asked again until it is something else (at most 10 s); a 401 or a 200 is kept.
 */
async function answer(keycard: Keycard, token: string): Promise<number> {
  let last = 503;
  await until(async () => (last = await status(keycard, token)) !== 503, 'an answer other than 503');
  return last;
}

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

/**
 * The ids of the owner's active tokens. A list that misses its 200 ms deadline (a loaded machine,
 * not the store's state) is asked again, at most for 10 s; any other error is thrown.
 */
async function active(keycard: Keycard, ownerId: string): Promise<string[]> {
  let ids: string[] | undefined;
  await until(async () => {
    try {
      ids = (await keycard.list({ ownerId, status: 'active' })).records.map((r) => r.id).sort();
      return true;
    } catch (error) {
      if ((error as { code?: unknown }).code === 'unavailable') return false;
      throw error;
    }
  }, 'a list answered');
  return ids!;
}

for (const driver of DRIVERS) {
  describe.skipIf(!REDIS_URL || !REDIS_SERVER)(`writes to a paused Redis (${driver})`, () => {
    // storeTimeoutMs is 200: a pause that ends when the settling sends the create again (not after
    // a fixed time, which a loaded machine can stretch past the settling) outlasts the call, not
    // the settling after it; a 3 s pause outlasts both.
    for (const pause of ['a pause ended by its settling', 'a 3000 ms pause'] as const) {
      it(`issue across ${pause}: its secret works if it was returned, and no other token is live`, async () => {
        const redis = await server();
        let creates = -1; // counting from the create of the issue across the pause
        let resumedBySettling = false;
        const a = await app(driver, redis.url, (method) => {
          if (method !== 'create' || creates < 0 || ++creates !== 2) return;
          redis.resume(); // before the settling's create is sent
          resumedBySettling = true;
        });
        const kept = await (await patient(driver, redis.url)).issue({ ownerId: 'usr_p', label: 'kept' });
        let resumed: Promise<void> | undefined;
        if (pause === 'a 3000 ms pause') resumed = pauseFor(redis, 3000);
        else (redis.pause(), (creates = 0));
        const r = await settle(() => a.issue({ ownerId: 'usr_p', label: 'across the pause' }));
        await resumed;
        if (pause !== 'a 3000 ms pause') {
          if (!resumedBySettling) redis.resume(); // the test fails below; the server is freed first
          expect(resumedBySettling).toBe(true);
        }
        await until(async () => (await status(a, kept.token)) === 200, 'serving again');
        // A short pause is within the settling: the token landed, and its secret is answered.
        if (pause !== 'a 3000 ms pause') expect(r.ok).toBe(true);
        if (r.ok) {
          expect(await answer(a, r.value.token)).toBe(200);
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
      let paused = false;
      // Paused at the first read after the create ANSWERED (not merely sent: under load the create
      // itself can miss its 200 ms and be settled, and the pause must still meet the check after
      // it), and resumed only once issue has answered: the check cannot have been answered in time.
      const a = await app(
        driver,
        redis.url,
        (method) => {
          if (created && method === 'get' && !paused) (redis.pause(), (paused = true));
        },
        {},
        (method) => void (method === 'create' && (created = true)),
      );
      const r = await settle(() => a.issue({ ownerId: 'usr_c', label: 'checked' }));
      redis.resume();
      expect(paused).toBe(true);
      expect(r.ok).toBe(false);
      await until(async () => (await active(a, 'usr_c')).length === 0, 'the unheld token revoked');
    }, 30_000);

    it('rotate whose claim meets a pause: the caller keeps a working token, and no unheld one is live', async () => {
      const redis = await server();
      // Paused as the claim of the old token goes out; resumed as the settling sends its first
      // fence (a state, not a fixed time a loaded machine can stretch past the settling).
      let updates = -1;
      let resumedBySettling = false;
      const a = await app(driver, redis.url, (method) => {
        if (method !== 'update' || updates < 0) return;
        if (++updates === 1) redis.pause();
        else if (updates === 2) (redis.resume(), (resumedBySettling = true));
      });
      const old = await (await patient(driver, redis.url)).issue({ ownerId: 'usr_r', label: 'rotated' });
      updates = 0;
      const r = await settle(() => a.rotate(old.record.id));
      if (!resumedBySettling) redis.resume(); // the test fails below; the server is freed first
      expect(updates).toBeGreaterThan(0);
      expect(resumedBySettling).toBe(true);
      await until(async () => (await status(a, old.token)) !== 503, 'serving again');
      // Either the claim landed (the rotation is done: the successor is the one live token) or a
      // fence stopped it (an EVALSHA that met NOSCRIPT is sent again after later calls).
      if (r.ok) {
        expect(await answer(a, r.value.token)).toBe(200);
        expect(await active(a, 'usr_r')).toEqual([r.value.record.id]);
      } else {
        expect(await answer(a, old.token)).toBe(200);
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
      const setup = await patient(driver, redis.url);
      const tokens = [
        await setup.issue({ ownerId: 'usr_a', label: 'one' }),
        await setup.issue({ ownerId: 'usr_a', label: 'two' }),
      ];
      for (const t of tokens) expect(await answer(a, t.token)).toBe(200); // cached
      const resumed = pauseFor(redis, 600);
      const r = await settle(() => a.revokeAll({ ownerId: 'usr_a' }, { reason: 'offboarded' }));
      await resumed;
      expect(r).toMatchObject({ ok: false, error: { code: 'unavailable' } });
      expect(errors.filter((m) => m.includes('revokeAll of owner usr_a'))).toHaveLength(1);
      // Redis ran the command when it resumed: the tokens are revoked, unaudited so far.
      await until(async () => (await active(a, 'usr_a')).length === 0, 'the revokeAll landed');
      for (const t of tokens) expect(await answer(a, t.token)).toBe(401);
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
      const old = await (await patient(driver, redis.url)).issue({ ownerId: 'usr_k', label: 'rotated' });
      armed = true;
      const r = await settle(() => a.rotate(old.record.id));
      expect(restarted).toBeDefined();
      await restarted;
      await until(async () => (await status(a, old.token)) !== 503, 'serving again');
      // Whatever the client re-sends after reconnecting has run once a PING on the same
      // connection, sent after it, is answered (one connection runs its commands in order).
      await until(async () => (await pings.get(a)!().catch(() => null)) === 'PONG', 'a PING answered');
      if (r.ok) {
        expect(await answer(a, r.value.token)).toBe(200);
        expect(await active(a, 'usr_k')).toEqual([r.value.record.id]);
      } else {
        expect(await active(a, 'usr_k')).toEqual([old.record.id]);
        expect(await answer(a, old.token)).toBe(200);
      }
    }, 30_000);
  });
}
