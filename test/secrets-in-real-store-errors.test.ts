/**
 * secrets50: what a real database says when it refuses a token row. Postgres's DETAIL of a CHECK
 * violation prints the whole failing row (the hash among its columns), and PGlite's error carries
 * the query's `params` (the hash again). A refused `issue` and a refused re-hash (a pepper
 * rotation) must not carry either hash, in any encoding, into the thrown error, its cause chain
 * or `onError`, as a logger would print them (`util.inspect`, every level). On PGlite, and on a
 * Postgres server when DATABASE_URL is set. test/secrets-in-store-errors.test.ts feeds every
 * encoding through a wrapped store; this file asks the databases themselves.
 */
import { createHmac } from 'node:crypto';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createKeycard, defineScopes } from '../src/index.ts';
import { migrate, postgresTokenStore } from '../src/stores/postgres.ts';
import { sqlPorts } from './audit-laws-backends.ts';
import { leaks } from './secret-encodings.ts';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const backends = sqlPorts('keycard_sr', 'refused token rows are', cleanups);

const scopes = defineScopes({ read: {} });
const v1 = { version: 1, secret: 'a'.repeat(32) };
const v2 = { version: 2, secret: 'b'.repeat(32) };
const hmac = (secret: string, token: string) => createHmac('sha256', secret).update(token).digest('hex');
const printed = (value: unknown) => inspect(value, { depth: Infinity, showHidden: true });

describe(`a database refusing a token row keeps its hash to itself (${backends.map(([n]) => n).join(', ')})`, () => {
  for (const [name, open] of backends)
    it(`${name}: a refused issue and a refused re-hash`, async () => {
      const port = await open();
      await migrate(port);
      const store = postgresTokenStore(port, { notifications: 'poll', onError: () => {} });
      cleanups.push(() => store.close());
      const reported: string[] = [];
      const base = {
        prefix: 'acme',
        scopes,
        store,
        storeTimeoutMs: 200,
        onError: (e: unknown) => reported.push(printed(e)),
      };
      const before = createKeycard({ ...base, peppers: [v1] });
      const { token } = await before.issue({ ownerId: 'u1', label: 'kept', scopes: ['read'] });
      await port.query(
        "ALTER TABLE keycard_tokens ADD CONSTRAINT keycard_test_refuse CHECK (label <> 'boom' AND pepper_version <> 2)",
        [],
      );

      // issue: the row is refused; its hash is unknown here, so no digest-shaped run may be printed.
      const refused = await before.issue({ ownerId: 'u1', label: 'boom', scopes: ['read'] }).then(
        () => null,
        (e: unknown) => printed(e),
      );
      // Since session 52 a refusal says so (test/store-refusal-asked-once): it was "Token store create failed".
      expect(refused).toContain('Token store refused the statement (SQLSTATE 23514)');
      expect(refused).toContain('[redacted]'); // the hash, where the database printed it
      expect(refused).not.toMatch(/[0-9a-f]{64}/i);

      // re-hash: the token verifies under the retiring pepper; moving it to v2 is refused.
      const after = createKeycard({ ...base, peppers: [v2, v1] });
      expect((await after.verify(token)).ok).toBe(true);
      await after.flush();
      const rehash = reported.filter((r) => r.includes('rehash'));
      expect(rehash.length).toBeGreaterThan(0);
      for (const r of reported) {
        expect(leaks(r, token, hmac(v1.secret, token)), r).toBeNull();
        expect(leaks(r, token, hmac(v2.secret, token)), r).toBeNull();
      }
      await before.close();
      await after.close();
    });
});
