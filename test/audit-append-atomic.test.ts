/**
 * `append` stores all of its events or none (docs/audit.md), also when they span several of the
 * Postgres store's batches (`batchSize`) and the database refuses a row of a later one: on PGlite
 * and on a Postgres server (DATABASE_URL). The refusal is the database's own: a CHECK constraint
 * this file adds to its own schema, refusing one label.
 */
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../src/core/audit.ts';
import { fromPglite, migrate, postgresAuditStore, type SqlPort } from '../src/stores/postgres.ts';
import { randomHex } from '../src/testing/fixtures.ts';
import { LAW_NOW, lawDenial, schemaPort } from './audit-laws-backends.ts';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A migrated database whose events table refuses any event labelled `poison`. */
async function poisoned(port: SqlPort): Promise<SqlPort> {
  await migrate(port);
  await port.query(
    "ALTER TABLE keycard_audit_events ADD CONSTRAINT keycard_test_poison CHECK (data->>'label' IS DISTINCT FROM 'poison')",
    [],
  );
  return port;
}

const backends: [string, () => Promise<SqlPort>][] = [
  [
    'PGlite',
    async () => {
      const db = new PGlite();
      cleanups.push(() => db.close());
      return poisoned(fromPglite(db));
    },
  ],
];
const url = process.env['DATABASE_URL'];
if (url) backends.push(['Postgres server', async () => poisoned(await schemaPort(url, 'keycard_aa', cleanups))]);
else console.warn('[keycard] DATABASE_URL is not set: append atomicity runs on PGlite only.');

describe(`append across batches is all or nothing on ${backends.map(([n]) => n).join(', ')}`, () => {
  for (const [name, open] of backends)
    it(`${name}: a row refused in a later batch leaves nothing of the earlier ones`, async () => {
      const port = await open();
      const clock = { now: () => LAW_NOW, monotonic: () => LAW_NOW };
      const store = postgresAuditStore(port, { batchSize: 2, requests: 'all', clock, onError: () => {} });
      const run = `aa${randomHex(3)}`;
      const events: AuditEvent[] = [0, 1, 2, 3, 4].map((i) => lawDenial(run, i, i === 3 ? { label: 'poison' } : {}));
      await expect(store.append(events)).rejects.toThrow(/keycard_test_poison/);
      expect((await store.query({ workspaceId: `${run}-ws` })).events).toEqual([]);
      expect(await store.usage(`${run}-tok`, { days: 1 })).toEqual([]);
      // The same events without the refused one: all of them, counted once.
      await store.append(events.filter((_, i) => i !== 3));
      expect((await store.query({ workspaceId: `${run}-ws`, order: 'asc' })).events.map((e) => e.label)).toEqual([
        'e0',
        'e1',
        'e2',
        'e4',
      ]);
      expect(await store.usage(`${run}-tok`, { days: 1 })).toMatchObject([{ denied: 4 }]);
      await store.close();
    });
});
