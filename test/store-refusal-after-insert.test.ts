/**
 * review52: a Postgres `create` is two steps: the INSERT (its own commit), then the check for a
 * revokeAll watermark that covers the new token (and its revoke). A refusal of the second step
 * (a missing `keycard_revocations`, a CHECK on the revoke) comes after the row landed, so it must
 * not be reported as `reason: 'store_refused'` ("nothing was written"): before the fix `issue`
 * threw at once and left a live token whose secret nobody got. Now the lifecycle settles it as a
 * lost answer (the row is found under its id with its hash) and the caller holds the token.
 * Likewise `revokeAll`: its watermark commits first, so a refusal of the revoking statement
 * after it is no "nothing written" either.
 * On PGlite, and on a Postgres server when DATABASE_URL is set.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createKeycard, defineScopes } from '../src/index.ts';
import { migrate, postgresTokenStore, type SqlPort } from '../src/stores/postgres.ts';
import { sqlPorts } from './audit-laws-backends.ts';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const backends = sqlPorts('keycard_after_insert', 'a refusal after the insert is', cleanups);
const scopes = defineScopes({ read: {} });

/** Live rows labelled `label` whose secret the caller does not hold. */
async function orphans(port: SqlPort, label: string, held: readonly string[]): Promise<number> {
  const { rows } = await port.query('SELECT id FROM keycard_tokens WHERE label = $1 AND revoked_at IS NULL', [label]);
  return rows.filter((r) => !held.includes(r['id'] as string)).length;
}

describe(`a refusal after a create's INSERT is not "nothing written" (${backends.map(([n]) => n).join(', ')})`, () => {
  for (const [name, open] of backends) {
    it(`${name}: the watermark check refused (42P01) after the row landed`, async () => {
      const port = await open();
      await migrate(port);
      const store = postgresTokenStore(port, { notifications: 'poll', onError: () => {} });
      cleanups.push(() => store.close());
      const keycard = createKeycard({ prefix: 'acme', scopes, store, storeTimeoutMs: 200, onError: () => {} });
      await port.query('ALTER TABLE keycard_revocations RENAME TO keycard_revocations_gone', []);

      const held: string[] = [];
      const outcome = await keycard.issue({ ownerId: 'u1', label: 'after', scopes: ['read'] }).then(
        (t) => {
          held.push(t.record.id);
          return t;
        },
        (e: unknown) => e,
      );
      expect(await orphans(port, 'after', held)).toBe(0);
      expect((outcome as { reason?: unknown }).reason).not.toBe('store_refused');
      await port.query('ALTER TABLE keycard_revocations_gone RENAME TO keycard_revocations', []);
      await keycard.close();
    }, 60_000);

    it(`${name}: the watermark's revoke refused by a CHECK after the row landed`, async () => {
      const port = await open();
      await migrate(port);
      const store = postgresTokenStore(port, { notifications: 'poll', onError: () => {} });
      cleanups.push(() => store.close());
      let now = Date.UTC(2030, 0, 1);
      const clock = { now: () => now, monotonic: () => performance.now() };
      const keycard = createKeycard({ prefix: 'acme', scopes, store, clock, storeTimeoutMs: 200, onError: () => {} });
      await keycard.revokeAll({ ownerId: 'u1' });
      // A token created before the watermark (a clock behind the revokeAll's): the check covers it.
      now -= 60_000;
      await port.query(
        "ALTER TABLE keycard_tokens ADD CONSTRAINT keycard_test_no_watermark CHECK (label <> 'late' OR revoked_at IS NULL)",
        [],
      );
      const held: string[] = [];
      const outcome = await keycard.issue({ ownerId: 'u1', label: 'late', scopes: ['read'] }).then(
        (t) => {
          held.push(t.record.id);
          return t;
        },
        (e: unknown) => e,
      );
      expect(await orphans(port, 'late', held)).toBe(0);
      expect((outcome as { reason?: unknown }).reason).not.toBe('store_refused');
      await keycard.close();
    }, 60_000);
    it(`${name}: a revokeAll whose watermark landed and whose revoke was refused`, async () => {
      const port = await open();
      await migrate(port);
      const store = postgresTokenStore(port, { notifications: 'poll', onError: () => {} });
      cleanups.push(() => store.close());
      const keycard = createKeycard({ prefix: 'acme', scopes, store, storeTimeoutMs: 200, onError: () => {} });
      await keycard.issue({ ownerId: 'u1', label: 'one', scopes: ['read'] });
      await port.query(
        "ALTER TABLE keycard_tokens ADD CONSTRAINT keycard_test_no_boom CHECK (revoked_reason IS DISTINCT FROM 'boom')",
        [],
      );
      const error = await keycard.revokeAll({ ownerId: 'u1' }, { reason: 'boom' }).then(
        () => null,
        (e: unknown) => e as { reason?: unknown },
      );
      const { rows } = await port.query('SELECT count(*)::int AS n FROM keycard_revocations', []);
      // The watermark (its own commit) landed: "nothing written" would be untrue.
      expect(rows[0]!['n']).toBe(1);
      expect(error?.reason).not.toBe('store_refused');
      await keycard.close();
    }, 60_000);
  }
});
