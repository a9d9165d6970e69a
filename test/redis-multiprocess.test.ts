/**
 * Two Node processes, each a keycard instance serving HTTP, sharing Redis: one budget per token
 * across both (exactly `limit` admitted out of 200 concurrent requests, a SCRIPT FLUSH mid-run
 * failing nothing, one EVALSHA per request), and a revocation or revokeAll through one process
 * refused by the other once its hook fired.
 *
 * Records live on the shared REDIS_URL server; limits on a private server this file starts, so
 * its INFO commandstats count this run's limiter calls and nothing else.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleKeycard } from './fixtures/redis-bundle.mjs';
import { spawnDriverPair, type Instance } from './fixtures/redis-instances.mjs';
import { measureRevocationDelay } from './fixtures/redis-revocation-delay.mjs';
import { REDIS_SERVER, startPrivateRedis, type PrivateRedis } from './fixtures/redis-server.mjs';
import { LIMITER_SCRIPT } from '../src/stores/redis-limiter.ts';
import { announceSkip, REDIS_URL, runPrefix } from './redis-helpers.ts';

announceSkip('redis-multiprocess.test.ts');
if (REDIS_URL && !REDIS_SERVER)
  console.info('redis-multiprocess.test.ts: skipped, no redis-server binary for the private limits server');

/** Parses `INFO commandstats` into { 'evalsha': { calls, failed_calls }, 'script|load': … }. */
function commandstats(info: string): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const line of info.split(/\r?\n/)) {
    const m = /^cmdstat_([^:]+):(.*)$/.exec(line);
    if (!m) continue;
    out[m[1]!] = Object.fromEntries(
      m[2]!
        .split(',')
        .map((kv) => kv.split('='))
        .map(([k, v]) => [k!, Number(v)]),
    );
  }
  return out;
}

describe.skipIf(!REDIS_URL || !REDIS_SERVER)('keycard in two processes sharing Redis', () => {
  let bundle: string;
  let limits: PrivateRedis;
  let admin: Redis;
  let a: Instance;
  let b: Instance;

  beforeAll(async () => {
    bundle = await bundleKeycard();
    limits = await startPrivateRedis();
    admin = new Redis(limits.url, { lazyConnect: true });
    await admin.connect();
    const env = {
      RECORDS_URL: REDIS_URL!,
      LIMITS_URL: limits.url,
      KEY_PREFIX: runPrefix('multiprocess'),
      STORE_TIMEOUT_MS: '2000',
    };
    [a, b] = await spawnDriverPair({ bundle, env }); // one process per driver
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await admin?.quit();
    await limits?.stop();
    if (bundle) rmSync(dirname(bundle), { recursive: true, force: true });
  });

  it('200 concurrent requests for a 50-per-minute token, split across both: exactly 50 admitted, 150 refused, none 503, SCRIPT FLUSH mid-run included; one EVALSHA per request', async () => {
    const { token } = await a.call('issue', {
      ownerId: 'usr_burst',
      label: 'burst',
      rateLimit: { limit: 50, window: 60 },
    });
    // Warm both caches without charging the budget: verify() does not consume quota.
    expect((await a.call('verify', { token })).ok).toBe(true);
    expect((await b.call('verify', { token })).ok).toBe(true);
    // Loaded beforehand, so every NOSCRIPT below is the flush's doing.
    expect(await admin.script('LOAD', LIMITER_SCRIPT.lua)).toBe(LIMITER_SCRIPT.sha);
    await admin.config('RESETSTAT');
    const before = await Promise.all([a.call('stats'), b.call('stats')]);

    const send = (i: number) =>
      fetch(`${(i % 2 === 0 ? a : b).url}/tickets/${i}`, {
        method: i % 3 === 0 ? 'POST' : 'GET',
        headers: { authorization: `Bearer ${token}` },
      }).then(async (r) => {
        await r.arrayBuffer();
        return r.status;
      });
    // Wave 1: 100 at once. When half of it has answered, flush every script and launch wave 2
    // while the rest of wave 1 is still in flight: wave 2 cannot run without a reload.
    let answered = 0;
    let flushed!: () => void;
    const halfway = new Promise<void>((resolve) => (flushed = resolve));
    const wave1 = Array.from({ length: 100 }, (_, i) =>
      send(i).then((status) => {
        if (++answered === 50) flushed();
        return status;
      }),
    );
    await halfway;
    const loadsBeforeFlush = commandstats(String(await admin.info('commandstats')))['script|load']?.calls ?? 0;
    expect(await admin.script('FLUSH')).toBe('OK');
    const wave2 = Array.from({ length: 100 }, (_, i) => send(100 + i));
    const statuses = await Promise.all([...wave1, ...wave2]);

    const count = (s: number) => statuses.filter((x) => x === s).length;
    expect({
      admitted: count(200),
      refused: count(429),
      unavailable: count(503),
      other: statuses.length - count(200) - count(429) - count(503),
    }).toEqual({
      admitted: 50,
      refused: 150,
      unavailable: 0,
      other: 0,
    });

    const stats = commandstats(String(await admin.info('commandstats')));
    const evalsha = stats['evalsha'] ?? { calls: 0, failed_calls: 0 };
    const after = await Promise.all([a.call('stats'), b.call('stats')]);
    const delta = (k: 'limiterEvalsha' | 'limiterNoscript' | 'limiterLoads') =>
      after[0][k] - before[0][k] + after[1][k] - before[1][k];
    // Each request ran the limiter script exactly once; the only extra EVALSHAs are the ones the
    // flush answered with NOSCRIPT (each followed by a SCRIPT LOAD and the retry).
    expect(evalsha.calls! - evalsha.failed_calls!).toBe(200);
    expect(evalsha.failed_calls).toBe(delta('limiterNoscript'));
    expect(evalsha.calls).toBe(delta('limiterEvalsha'));
    // The flush really happened mid-run: the script had to be loaded again after it.
    expect(stats['script|load']?.calls ?? 0).toBe(delta('limiterLoads'));
    expect(stats['script|load']?.calls ?? 0).toBeGreaterThan(loadsBeforeFlush);
    expect(delta('limiterNoscript')).toBeGreaterThan(0);
    console.info(
      `redis-multiprocess: admitted ${count(200)}, refused ${count(429)}, 503 ${count(503)}; EVALSHA calls ${evalsha.calls} (NOSCRIPT ${evalsha.failed_calls}), SCRIPT LOAD ${stats['script|load']?.calls ?? 0}`,
    );
  }, 60_000);

  it('B, its cache warm and trusted, refuses a token once its token.revoked hook fired after A revoked it', async () => {
    const { token, id } = await a.call('issue', { ownerId: 'usr_revoke', label: 'revoke me' });
    expect((await b.call('verify', { token })).ok).toBe(true);
    expect((await b.call('verify', { token })).ok).toBe(true); // from B's cache now
    await b.call('watchRevoked', { id, token });
    await a.call('revoke', { id });
    const heard = await b.event((e) => e.name === 'token.revoked' && e.id === id);
    expect(heard.code).toBe('token_revoked'); // verified right after the hook fired
    expect(await b.call('verify', { token })).toEqual({ ok: false, code: 'token_revoked' });
    const response = await fetch(`${b.url}/x`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(401);
    expect(JSON.parse(await response.text())).toMatchObject({ code: 'token_revoked' });
  });

  it('a revokeAll through A clears B', async () => {
    const t1 = await a.call('issue', { ownerId: 'usr_leaver', label: 'one' });
    const t2 = await a.call('issue', { ownerId: 'usr_leaver', label: 'two' });
    for (const t of [t1, t2]) {
      expect((await b.call('verify', { token: t.token })).ok).toBe(true);
      expect((await b.call('verify', { token: t.token })).ok).toBe(true);
    }
    await b.call('watchRevokedAll', { ownerId: 'usr_leaver' });
    expect(await a.call('revokeAll', { filter: { ownerId: 'usr_leaver' } })).toEqual({ count: 2 });
    await b.event((e) => e.name === 'token.revokedAll' && e.ownerId === 'usr_leaver');
    expect(await b.call('verify', { token: t1.token })).toEqual({ ok: false, code: 'token_revoked' });
    expect(await b.call('verify', { token: t2.token })).toEqual({ ok: false, code: 'token_revoked' });
  });

  it('the revoke-to-refusal measurement script runs (3 rounds here; 20 when run by hand)', async () => {
    const result = await measureRevocationDelay({ redisUrl: REDIS_URL!, bundle, rounds: 3 });
    expect(result.samples.length).toBe(3);
    console.info(
      `redis-multiprocess: revoke-to-refusal over 3 rounds: median ${result.revokeToRefusalMs.median} ms, worst ${result.revokeToRefusalMs.worst} ms`,
    );
  }, 60_000);
});
