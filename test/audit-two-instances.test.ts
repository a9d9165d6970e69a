/**
 * Two keycard instances sharing one Postgres (SPEC §14): each with its own token cache and its
 * own audit store (own writer, own event ids) over the same tables. Many requests on both at
 * once, while a reader pages the activity: no event is answered twice and none is skipped, the
 * events match the requests made one for one (request ids), and the roll-up sums both writers.
 * Runs when DATABASE_URL is set.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeycard } from '../src/index.ts';
import type { AuditStore, StoredAuditEvent } from '../src/core/audit-store.ts';
import { fromPg, migrate, postgresAuditStore, postgresTokenStore } from '../src/stores/postgres.ts';
import { randomHex } from '../src/testing/fixtures.ts';
import { toadoScopes } from './helpers.ts';

const url = process.env['DATABASE_URL'];
if (!url) console.warn('[keycard] DATABASE_URL is not set: skipping the two-instance audit test.');

const schema = `keycard_a2_${randomHex(4)}`;
const pools: pg.Pool[] = [];
const pool = () => {
  const p = new pg.Pool({ connectionString: url, max: 4, options: `-c search_path=${schema}` });
  p.on('error', () => {});
  pools.push(p);
  return p;
};
let admin: pg.Pool;
beforeAll(async () => {
  if (!url) return;
  admin = new pg.Pool({ connectionString: url, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  await migrate(fromPg(pool()));
});
afterAll(async () => {
  if (!url) return;
  for (const p of pools) await p.end();
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.end();
}, 30_000);

/** Every page of `tokenId`'s events, `limit` at a time, in `order`. */
async function pages(s: AuditStore, tokenId: string, limit: number, order: 'asc' | 'desc', until?: number) {
  const out: StoredAuditEvent[] = [];
  let cursor: string | null = null;
  do {
    const page = await s.query({ tokenId, limit, order, cursor, ...(until !== undefined && { until }) });
    out.push(...page.events);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return out;
}

describe.skipIf(!url)('two keycard instances, one Postgres audit store', () => {
  it('concurrent requests on both while a reader pages: each event once, one per request, usage summed', async () => {
    const instance = () => {
      const p = fromPg(pool());
      // batchSize 7: many small batches of both writers interleave in the table.
      const audit = postgresAuditStore(p, { requests: 'all', batchSize: 7, concurrency: 4, onError: () => {} });
      return {
        audit,
        kc: createKeycard({
          prefix: 'acme',
          scopes: toadoScopes(),
          store: postgresTokenStore(p),
          audit,
          rateLimit: { limit: 100_000, window: 60 },
        }),
      };
    };
    const a = instance();
    const b = instance();
    const { token, record } = await a.kc.issue({ ownerId: 'u1', label: 'shared', scopes: ['read'] });
    const call = (kc: typeof a.kc, id: string) =>
      kc.authenticate({
        method: 'GET',
        url: '/tasks',
        headers: { authorization: `Bearer ${token}`, 'x-request-id': id },
      });
    // A first wave, stored before the reader starts.
    await Promise.all(Array.from({ length: 120 }, (_, i) => call(i % 2 ? a.kc : b.kc, `pre-${i}`)));
    await Promise.all([a.audit.flush(), b.audit.flush()]);
    const before = Date.now() + 1;
    // The second wave races the reader, on both instances.
    const wave = Promise.all(Array.from({ length: 400 }, (_, i) => call(i % 2 ? a.kc : b.kc, `mid-${i}`)));
    const seen = await Promise.all([
      pages(a.audit, record.id, 9, 'desc', before),
      pages(b.audit, record.id, 11, 'asc', before),
    ]);
    await wave;
    for (const got of seen) {
      const ids = got
        .filter((e) => e.type === 'request.allowed')
        .map((e) => ('requestId' in e ? (e.requestId ?? '') : ''));
      expect(new Set(ids).size, 'no event twice').toBe(ids.length);
      expect(ids.filter((id) => id.startsWith('pre-')).sort()).toEqual(
        Array.from({ length: 120 }, (_, i) => `pre-${i}`).sort(),
      );
    }
    await Promise.all([a.kc.close(), b.kc.close()]);
    await Promise.all([a.audit.close(), b.audit.close()]);
    const all = await pages(a.audit, record.id, 50, 'desc');
    const allowed = all.filter((e) => e.type === 'request.allowed');
    const ids = allowed.map((e) => ('requestId' in e ? (e.requestId ?? '') : ''));
    expect(new Set(ids).size).toBe(520);
    expect(ids.length).toBe(520);
    // (time, id) strictly decreasing: one order for both writers' ids.
    for (let i = 1; i < all.length; i++) {
      const [p, c] = [all[i - 1]!, all[i]!];
      expect(p.time > c.time || (p.time === c.time && p.id > c.id), `${p.id} before ${c.id}`).toBe(true);
    }
    const usage = await b.audit.usage(record.id, { days: 2 });
    expect(usage.reduce((n, d) => n + d.allowed, 0)).toBe(520);
  });
});
