/**
 * A write the database refused outright (a CHECK constraint, a value it cannot store, a missing
 * table) did not happen: there is nothing to settle. Before session 52 keycard read every store
 * failure as "the answer was lost" and asked again for five store timeouts (an `issue` refused
 * by a CHECK constraint answered after ~10.5 s at the defaults, its INSERT sent 6 times or more; a
 * refused rotation claim was fenced 5 times). The Postgres store now answers such a refusal as
 * `KeycardError('unavailable')` with `reason: 'store_refused'`, and the lifecycle answers it at
 * once: the INSERT is sent once, the claim fenced never, and nothing is left behind. A lost answer
 * (a timeout, a dropped connection) is still settled (test/settle-*.test.ts). On PGlite, and on a
 * Postgres server when DATABASE_URL is set. Counts statements, never time.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createKeycard, defineScopes, KeycardError } from '../src/index.ts';
import { migrate, postgresTokenStore, type SqlPort } from '../src/stores/postgres.ts';
import { sqlPorts } from './audit-laws-backends.ts';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const backends = sqlPorts('keycard_refusal', 'refused writes are', cleanups);

const scopes = defineScopes({ read: {} });

/** The port, with every statement it is sent kept in `sent`. */
function counted(port: SqlPort): { port: SqlPort; sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    port: {
      ...port,
      query: (text, params) => {
        sent.push(text);
        return port.query(text, params);
      },
    },
  };
}

async function setUp(open: () => Promise<SqlPort>) {
  const base = await open();
  await migrate(base);
  const { port, sent } = counted(base);
  const store = postgresTokenStore(port, { notifications: 'poll', onError: () => {} });
  cleanups.push(() => store.close());
  // The defaults: a lost answer is asked after for 5 × (2 s + 100 ms).
  const keycard = createKeycard({ prefix: 'acme', scopes, store, onError: () => {} });
  return { base, sent, keycard };
}

const inserts = (sent: string[]) => sent.filter((t) => /\bINSERT INTO keycard_tokens\b/.test(t)).length;
/** A rotation's claim and each fence of it: the update of `expires_at` alone (a revoke sets `revoked_at`). */
const claims = (sent: string[]) => sent.filter((t) => /\bUPDATE keycard_tokens SET expires_at\b/.test(t)).length;

describe(`a write the database refused is answered at once (${backends.map(([n]) => n).join(', ')})`, () => {
  for (const [name, open] of backends) {
    it(`${name}: an issue refused by a CHECK constraint sends its INSERT once and leaves no row`, async () => {
      const { base, sent, keycard } = await setUp(open);
      await base.query("ALTER TABLE keycard_tokens ADD CONSTRAINT keycard_test_refuse CHECK (label <> 'boom')", []);
      sent.length = 0;

      const error = await keycard.issue({ ownerId: 'u1', label: 'boom', scopes: ['read'] }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(KeycardError);
      expect((error as KeycardError).code).toBe('unavailable');
      expect((error as KeycardError).reason).toBe('store_refused');
      expect((error as KeycardError).message).toMatch(/SQLSTATE 23514/);
      expect(inserts(sent)).toBe(1);
      const { rows } = await base.query("SELECT count(*)::int AS n FROM keycard_tokens WHERE label = 'boom'", []);
      expect(rows[0]!['n']).toBe(0);

      // The table still takes what the constraint allows, on the same keycard.
      const ok = await keycard.issue({ ownerId: 'u1', label: 'fine', scopes: ['read'] });
      expect((await keycard.verify(ok.token)).ok).toBe(true);
    }, 120_000);

    it(`${name}: a rotation whose claim is refused is not fenced, and its copy is revoked`, async () => {
      const { base, sent, keycard } = await setUp(open);
      const old = await keycard.issue({ ownerId: 'u1', label: 'kept', scopes: ['read'] });
      // The old token (no predecessor) may not be given an expiry: its claim is refused; the
      // copy (rotated from it) may.
      await base.query(
        'ALTER TABLE keycard_tokens ADD CONSTRAINT keycard_test_claim CHECK (rotated_from_id IS NOT NULL OR expires_at IS NULL)',
        [],
      );
      sent.length = 0;

      const error = await keycard.rotate(old.record.id, { graceMs: 60_000 }).then(
        () => null,
        (e: unknown) => e,
      );
      expect((error as KeycardError).code).toBe('unavailable');
      expect((error as KeycardError).reason).toBe('store_refused');
      // One claim; no fence of it (before: one fence per try, 5 or more).
      expect(claims(sent)).toBe(1);
      // The old token works as before; the copy whose secret nobody got is revoked.
      expect((await keycard.verify(old.token)).ok).toBe(true);
      const { rows } = await base.query(
        'SELECT count(*)::int AS n FROM keycard_tokens WHERE rotated_from_id = $1 AND revoked_at IS NULL',
        [old.record.id],
      );
      expect(rows[0]!['n']).toBe(0);
    }, 120_000);
  }
});
