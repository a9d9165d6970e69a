/**
 * SPEC §14 "indexes for each filter" on the real Postgres server (DATABASE_URL; skipped without):
 * with 24,000 events in the month and fresh statistics, the very statement `query` sends for each
 * filter (captured from the port, run again under EXPLAIN with its parameters) reads the month's
 * partition through an index (the filter's own for a selective filter), never a sequential scan.
 * docs/audit.md › Indexes shows the plans; this holds them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../src/core/audit.ts';
import { migrate, postgresAuditStore, type SqlPort, type SqlValue } from '../src/stores/postgres.ts';
import { schemaPort } from './audit-laws-backends.ts';

const url = process.env['DATABASE_URL'];
const cleanups: (() => Promise<void>)[] = [];
let port: SqlPort;
const captured: [string, readonly SqlValue[]][] = [];
let store: ReturnType<typeof postgresAuditStore>;
const NOW = Date.now();
const N = 24_000;

/** Every node of an EXPLAIN (FORMAT JSON) plan. */
function nodes(plan: Record<string, unknown>): Record<string, unknown>[] {
  const kids = (plan['Plans'] as Record<string, unknown>[] | undefined) ?? [];
  return [plan, ...kids.flatMap(nodes)];
}

describe.skipIf(!url)('postgresAuditStore: each query filter is an index scan (SPEC §14)', () => {
  beforeAll(async () => {
    const real = await schemaPort(url!, 'keycard_ix', cleanups);
    await migrate(real);
    port = {
      query: (text, params) => {
        captured.push([text, params]);
        return real.query(text, params);
      },
      ...(real.exec && { exec: real.exec.bind(real) }),
    };
    store = postgresAuditStore(port, { requests: 'all', onError: () => {} });
    for (let b = 0; b < N; b += 2_000) {
      const batch: AuditEvent[] = [];
      for (let i = b; i < b + 2_000; i++)
        batch.push({
          type: i % 10 === 0 ? 'token.updated' : i % 3 === 0 ? 'request.denied' : 'request.allowed',
          time: new Date(NOW - (N - i) * 1_000).toISOString(),
          tokenId: `tok_${i % 400}`,
          label: 'agent',
          ownerId: `usr_${i % 300}`,
          workspaceId: i % 2 === 0 ? `ws_${i % 200}` : null,
          ...(i % 10 === 0
            ? { actor: { kind: 'user', id: `usr_${i % 500}` } }
            : { surface: 'http', method: 'GET', path: '/api', requestId: `req-${i}` }),
          ...(i % 3 === 0 && i % 10 !== 0 ? { reason: 'insufficient_scope' } : {}),
        } as AuditEvent);
      await store.append(batch);
    }
    await port.query('ANALYZE keycard_audit_events', []);
  }, 120_000);
  afterAll(async () => {
    await store?.close();
    for (const c of cleanups.reverse()) await c();
  });

  it.each([
    ['tokenId', { tokenId: 'tok_42' }, 'token_id'],
    ['ownerId', { ownerId: 'usr_42' }, 'owner_id'],
    ['workspaceId', { workspaceId: 'ws_42' }, 'workspace_id'],
    ['actorId', { actorId: 'usr_40' }, 'actor_id'],
    ['requestId', { requestId: 'req-4242' }, 'request_id'],
    ['types', { types: ['token.updated'] }, 'type'],
  ] as const)(
    '%s: the month’s partition is read through an index (its own if selective), never scanned whole',
    async (_name, filter, column) => {
      captured.length = 0;
      const first = await store.query({ ...filter, limit: 100 });
      expect(first.events.length).toBeGreaterThan(0);
      const [text, params] = captured.find(([t]) => /keycard_audit_events/.test(t) && /SELECT/i.test(t))!;
      const { rows } = await port.query(`EXPLAIN (FORMAT JSON) ${text}`, params);
      const plan = (rows[0]!['QUERY PLAN'] as [{ Plan: Record<string, unknown> }])[0].Plan;
      const all = nodes(plan);
      // The month's partition holds the events; the empty ones created ahead may be read any way.
      const month = new Date(NOW).toISOString().slice(0, 7).replace('-', '');
      const held = `keycard_audit_events_p${month}`;
      expect(all.filter((n) => n['Relation Name'] === held).map((n) => n['Node Type'])).not.toContain('Seq Scan');
      const indexes = all.map((n) => String(n['Index Name'] ?? '')).filter((i) => i.startsWith(held));
      // A selective filter reads its own index; `types` (a tenth of the month here) may instead walk
      // the primary key (at, id) in page order and stop at the limit, which the planner prefers.
      expect(indexes, JSON.stringify(all.map((n) => [n['Node Type'], n['Index Name']]))).toContainEqual(
        column === 'type' ? expect.stringMatching(/_(type_at_id_idx|pkey)$/) : `${held}_${column}_at_id_idx`,
      );
    },
  );
});
