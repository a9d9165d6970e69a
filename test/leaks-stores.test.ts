/**
 * The leak intake on every token store (memory, PGlite; Redis and a Postgres server when REDIS_URL
 * / DATABASE_URL are set: `bash scripts/with-servers.sh npx vitest run test/leaks-stores.test.ts`),
 * with two keycard instances sharing the store as two processes would: a report to one revokes for
 * both, and the provider's retry landing on the other process changes nothing and tells no one twice.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { TokenAuditEvent } from '../src/core/audit.ts';
import { createKeycard, defineScopes, memoryAuditSink } from '../src/index.ts';
import { fakeClock } from '../src/testing/clock.ts';
import { BACKENDS } from './store-backends.ts';
import { leakFixture, sha256Hex } from './leaks-fixture.ts';

const scopes = defineScopes({ read: {} }, { defaults: ['read'] });
/** Two keycards on one shared store with in-memory limiters: the warning this set-up is meant to cause. */
const warned = (message: string) => expect(message).toMatch(/rate limiter is in memory/);
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers) await c();
});

describe.each(BACKENDS.map((b) => [b.name, b] as const))('leak intake on %s', (_name, backend) => {
  it('revokes for every process sharing the store; a retry on the other process is idempotent', async () => {
    const { store, close } = await backend.open();
    closers.push(close);
    const clock = fakeClock();
    const audits = [memoryAuditSink(), memoryAuditSink()];
    const [a, b] = audits.map((audit) =>
      createKeycard({ prefix: 'acme', scopes, store, clock, audit, revocationBoundMs: 1_000, onWarning: warned }),
    );
    closers.push(async () => void (await a!.close(), await b!.close()));
    const fa = await leakFixture({}, a, clock);
    const fb = await leakFixture({}, b, clock);

    const live = await a!.issue({ ownerId: 'u1', label: 'ci' });
    const old = await a!.issue({ ownerId: 'u1', label: 'old' });
    await a!.revoke(old.record.id, { reason: 'owner' });
    const expired = await a!.issue({ ownerId: 'u1', label: 'short', expiresIn: 60_000 });
    const other = await createKeycard({ prefix: 'acme', scopes }).issue({ ownerId: 'x', label: 'elsewhere' });
    const tokens = [live.token, old.token, expired.token, other.token, 'acme_sk_junk'];
    clock.advance(120_000);

    const first = await fa.handler(await fa.report(fa.body(tokens)));
    expect(first.status).toBe(200);
    const answer = (await first.json()) as unknown;
    const labels = ['true_positive', 'true_positive', 'true_positive', 'false_positive', 'false_positive'];
    expect(answer).toEqual(
      await Promise.all(
        tokens.map(async (t, i) => ({
          token_hash: await sha256Hex(t),
          token_type: 'acme_api_token',
          label: labels[i],
        })),
      ),
    );
    expect((await b!.get(live.record.id))?.revokedReason).toBe('leaked');
    expect((await b!.get(old.record.id))?.revokedReason).toBe('owner');
    expect((await b!.get(expired.record.id))?.revokedAt).toBe(null);
    expect(await b!.verify(live.token)).toEqual({ ok: false, code: 'token_revoked' });

    // The provider retries (our 200 was lost on the way), and the retry reaches the other process.
    clock.advance(5_000);
    const retry = await fb.handler(await fb.report(fb.body(tokens)));
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual(answer);
    expect([fa.notices.length, fb.notices.length]).toEqual([1, 0]);
    const leakedEvents = audits.flatMap((s) =>
      s.events.filter((e): e is TokenAuditEvent => e.type === 'token.revoked' && e.reason === 'leaked'),
    );
    expect(leakedEvents).toHaveLength(1);
    expect(JSON.stringify(audits.map((s) => s.events))).not.toContain(live.token);
    expect((await b!.get(live.record.id))?.revokedAt).toBe((await a!.get(live.record.id))?.revokedAt);
  });

  /**
   * Two processes over one store, one frozen clock: every race below lands in the same millisecond.
   * `meetAtLookup()` holds the next two token lookups until both have arrived, so both processes
   * see the token live before either revokes it (the narrowest race, made certain on every store).
   */
  async function twoProcesses() {
    const { store: shared, close } = await backend.open();
    closers.push(close);
    let waiting: (() => void)[] | null = null;
    const meet = () =>
      new Promise<void>((resolve) => {
        waiting!.push(resolve);
        if (waiting!.length === 2) for (const go of waiting!.splice(0)) go();
      });
    const store = new Proxy(shared, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof v !== 'function') return v;
        if (prop !== 'findByHash' && prop !== 'findByAnyHash') return v.bind(target);
        return async (...args: unknown[]) => {
          if (waiting !== null) await meet();
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const clock = fakeClock();
    const audits = [memoryAuditSink(), memoryAuditSink()];
    const [a, b] = audits.map((audit) =>
      createKeycard({ prefix: 'acme', scopes, store, clock, audit, onWarning: warned }),
    );
    closers.push(async () => void (await a!.close(), await b!.close()));
    const leaked: unknown[] = [];
    for (const k of [a!, b!]) k.on('token.leaked', (e) => void leaked.push(e));
    const revokedEvents = () =>
      audits.flatMap((s) => s.events.filter((e): e is TokenAuditEvent => e.type === 'token.revoked'));
    const meetAtLookup = () => void (waiting = []);
    const stopMeeting = () => void (waiting = null);
    return { a: a!, b: b!, clock, leaked, revokedEvents, meetAtLookup, stopMeeting };
  }

  it('two processes settling one leaked token in the same millisecond: exactly one announces it', async () => {
    const { a, b, clock, leaked, revokedEvents, meetAtLookup, stopMeeting } = await twoProcesses();
    const fa = await leakFixture({}, a, clock);
    const fb = await leakFixture({}, b, clock);
    for (let round = 0; round < 5; round++) {
      const live = await a.issue({ ownerId: 'u1', label: `ci ${round}` });
      const [ra, rb] = await Promise.all([fa.report(fa.body([live.token])), fb.report(fb.body([live.token]))]);
      meetAtLookup();
      const [x, y] = await Promise.all([fa.handler(ra), fb.handler(rb)]);
      stopMeeting();
      expect([x.status, y.status]).toEqual([200, 200]);
      expect(await x.text()).toBe(await y.text());
      const told = [...fa.notices, ...fb.notices].filter((n) => n.record.id === live.record.id);
      expect(told).toHaveLength(1);
      expect(revokedEvents().filter((e) => e.tokenId === live.record.id)).toHaveLength(1);
      expect(leaked.filter((e) => (e as { record: { id: string } }).record.id === live.record.id)).toHaveLength(1);
      expect((await b.get(live.record.id))?.revokedReason).toBe('leaked');
    }
  });

  it('two processes revoking one token in the same millisecond: one token.revoked audit event', async () => {
    const { a, b, revokedEvents } = await twoProcesses();
    for (let round = 0; round < 5; round++) {
      const t = await a.issue({ ownerId: 'u1', label: `t ${round}` });
      const [x, y] = await Promise.all([
        a.revoke(t.record.id, { reason: 'x' }),
        b.revoke(t.record.id, { reason: 'y' }),
      ]);
      expect(x).toEqual(y);
      expect(revokedEvents().filter((e) => e.tokenId === t.record.id)).toHaveLength(1);
    }
  });
});
