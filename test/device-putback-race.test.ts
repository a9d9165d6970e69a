/**
 * A stale answer after a put-back (SPEC §13, RFC 8628). When the poll that takes an approved grant
 * cannot issue its token (the token store is briefly down: `unavailable`), the grant goes back to
 * the store for the next poll. A second person's approve or deny that read the grant while it was
 * still pending compares-and-sets on the version it read; the put-back used to restart the version
 * at 1, so that stale write landed over the first approval — the token went to the second approver,
 * or a denied login was approved and a deny overwrote an approval. The version now keeps counting
 * across a put-back, so the stale write loses ("answered in another window", 409) and the token goes
 * to the person who approved first. Run under `fc.scheduler()` on the memory store, and with a
 * fixed interleaving on every built-in store: memory, PGlite, a Postgres server, Redis (both drivers).
 */
import { PGlite } from '@electric-sql/pglite';
import * as fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeycard, defineScopes, type UserActor } from '../src/index.ts';
import {
  createDeviceRoutes,
  memoryPendingGrantStore,
  type PendingGrant,
  type PendingGrantStore,
} from '../src/device/index.ts';
import { fromPg, fromPglite } from '../src/stores/postgres-port.ts';
import { migrateDeviceGrants, postgresPendingGrantStore } from '../src/stores/postgres-grant-store.ts';
import { redisPendingGrantStore } from '../src/stores/redis-grant-store.ts';
import { fakeClock } from '../src/testing/index.ts';
import { flakyTokens } from './device-fixture.ts';
import { DRIVERS, REDIS_URL, announceSkip, connectPort, runPrefix } from './redis-helpers.ts';

const ORIGIN = 'https://app.example';
const GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const PEOPLE: Record<string, UserActor> = {
  alice: { kind: 'user', id: 'u_alice', scopes: ['read', 'write'] },
  bob: { kind: 'user', id: 'u_bob', scopes: ['read', 'write'] },
};
type Verdict = 'approve' | 'deny';

/**
 * Two processes serving the device routes over one grant store, sharing a token store that can be
 * down: Alice's requests and the program's polls reach one, Bob's the other. Bob's process answers
 * his next user-code lookup with the grant as `bobRead` last read it: a process that read the grant,
 * then stalled (a GC pause, a busy event loop) before its compare-and-set, which no deadline bounds.
 */
function world(store: PendingGrantStore, storeTimeoutMs = 20) {
  const tokens = flakyTokens();
  const keycard = createKeycard({
    prefix: 'toado',
    scopes: defineScopes({ read: { description: 'Read' }, write: { implies: ['read'] } }),
    clock: fakeClock(),
    store: tokens.store,
    // The poll that cannot issue asks the token store for ~30 deadlines (~0.6 s at 20 ms, not 3 s); a
    // store over a socket or PGlite gets 250 ms, so a busy CI machine's slow call is no outage.
    storeTimeoutMs,
    onError: () => {},
  });
  const authorize = (r: Request) => PEOPLE[/sid=(\w+)/.exec(r.headers.get('cookie') ?? '')?.[1] ?? ''] ?? null;
  let read: Promise<PendingGrant | null> | null = null;
  const stalled: PendingGrantStore = { ...store, getByUserCode: (code) => read ?? store.getByUserCode(code) };
  const [mine, bobs] = [store, stalled].map((s) =>
    createDeviceRoutes(keycard, { basePath: '/api/tokens', authorize, store: s, onError: () => {} }),
  );
  const post = async (who: string, path: string, body: Record<string, string>) =>
    (await (who === 'bob' ? bobs! : mine!)(
      new Request(`${ORIGIN}/api/tokens/device${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `sid=${who}`, origin: ORIGIN },
        body: new URLSearchParams(body).toString(),
      }),
    ))!;
  const start = async () =>
    (await (await post('', '/code', { client_id: 'toado-cli', host: 'laptop', scope: 'read' })).json()) as {
      device_code: string;
      user_code: string;
    };
  /** Bob's process reads the grant now; his next approve or deny acts on what it read. */
  const bobRead = async (userCode: string) => {
    const grant = await store.getByUserCode(userCode.replace('-', ''));
    read = Promise.resolve(grant);
  };
  const decide = async (verdict: Verdict, userCode: string, who: string) =>
    (await post(who, `/${verdict}`, { user_code: userCode, scope: 'read', expires: '30d' })).status;
  const poll = async (deviceCode: string) => {
    const r = await post('', '/token', { grant_type: GRANT, device_code: deviceCode, client_id: 'toado-cli' });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  return { keycard, tokens, start, bobRead, decide, poll };
}

/**
 * After the race: the token store is back and the program polls once more. Of the two answers at
 * most one was accepted (200), and what the program gets is what that person said.
 */
async function expectOneAnswer(
  w: ReturnType<typeof world>,
  deviceCode: string,
  [alice, bob]: readonly [number, number],
  bobSays: Verdict,
) {
  w.tokens.down.create = false;
  expect([alice, bob].filter((s) => s === 200)).toHaveLength(1);
  const last = await w.poll(deviceCode);
  const approver = alice === 200 ? 'u_alice' : bobSays === 'approve' ? 'u_bob' : null;
  // Denied: the program heard so at its poll in the race (then the code is used up) or hears it now.
  if (approver === null) expect(['access_denied', 'invalid_grant']).toContain(last.body['error']);
  else {
    expect(last.status).toBe(200);
    expect((await w.keycard.get(String(last.body['token_id'])))?.ownerId).toBe(approver);
  }
}

/**
 * The interleaving, fixed: Bob's process reads the pending grant; Alice approves; the program
 * polls while the token store is down (503: the grant is put back); then Bob's answer goes on
 * from what his process read. It loses: "answered in another window".
 */
async function staleAnswer(store: PendingGrantStore, bobSays: Verdict, storeTimeoutMs = 250) {
  const w = world(store, storeTimeoutMs);
  const a = await w.start();
  await w.bobRead(a.user_code);
  const alice = await w.decide('approve', a.user_code, 'alice');
  expect(alice).toBe(200);
  w.tokens.down.create = true;
  expect((await w.poll(a.device_code)).status).toBe(503);
  const bob = await w.decide(bobSays, a.user_code, 'bob');
  expect(bob).toBe(409);
  await expectOneAnswer(w, a.device_code, [alice, bob], bobSays);
}

describe('a stale approve or deny after a put-back loses (fc.scheduler, memory store)', () => {
  it("Bob's read and answer interleaved with Alice's approve and a poll that cannot issue: one answer wins", async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.constantFrom<Verdict>('approve', 'deny'), async (s, bobSays) => {
        const w = world(memoryPendingGrantStore());
        const a = await w.start();
        w.tokens.down.create = true;
        const answers = { alice: 0, bob: 0 };
        const step = (label: string, run: () => Promise<unknown>) => ({ label, builder: run });
        const bob = s.scheduleSequence([
          step('Bob reads', () => w.bobRead(a.user_code)),
          step(`Bob ${bobSays}s`, async () => (answers.bob = await w.decide(bobSays, a.user_code, 'bob'))),
        ]);
        const alice = s.scheduleSequence([
          step('Alice approves', async () => (answers.alice = await w.decide('approve', a.user_code, 'alice'))),
          step('the program polls', () => w.poll(a.device_code)),
        ]);
        await s.waitFor(Promise.all([bob.task, alice.task]));
        await expectOneAnswer(w, a.device_code, [answers.alice, answers.bob], bobSays);
      }),
      { numRuns: 40, endOnFailure: true },
    );
  }, 120_000);
});

describe('a stale answer after a put-back loses, on every built-in grant store', () => {
  it('memory', async () => {
    for (const v of ['approve', 'deny'] as const) await staleAnswer(memoryPendingGrantStore(), v, 20);
  });

  describe('PGlite', () => {
    let lite: ReturnType<typeof fromPglite>;
    beforeAll(async () => {
      lite = fromPglite(new PGlite());
      await migrateDeviceGrants(lite);
    }, 120_000);
    it('approve and deny', async () => {
      for (const v of ['approve', 'deny'] as const) await staleAnswer(postgresPendingGrantStore(lite), v);
    });
  });

  const DATABASE_URL = process.env['DATABASE_URL'];
  describe.skipIf(!DATABASE_URL)('Postgres server (DATABASE_URL)', () => {
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
    pool.on('error', () => {});
    afterAll(() => pool.end());
    it('approve and deny', async () => {
      const port = fromPg(pool, { listen: false });
      await migrateDeviceGrants(port);
      for (const v of ['approve', 'deny'] as const) await staleAnswer(postgresPendingGrantStore(port), v);
    });
  });

  announceSkip('device-putback-race.test.ts');
  for (const driver of DRIVERS) {
    describe.skipIf(!REDIS_URL)(`Redis server (${driver})`, () => {
      let connected: ReturnType<typeof connectPort> | undefined;
      afterAll(async () => {
        if (connected) await (await connected).close();
      });
      it('approve and deny', async () => {
        const { port } = await (connected ??= connectPort(driver));
        const store = redisPendingGrantStore(port, { prefix: runPrefix('device-putback') });
        for (const v of ['approve', 'deny'] as const) await staleAnswer(store, v);
      });
    });
  }
});
