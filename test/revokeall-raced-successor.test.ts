/**
 * A rotation that races `revokeAll` on the Postgres store must not leave its successor live.
 *
 * The race (found by test/family-race-shared on a real Postgres server, ~1 round in 100): the
 * revoking UPDATE takes its snapshot; the rotation inserts its successor (invisible to that
 * snapshot, and created after the watermark, so the create-side watermark check spares it), then
 * claims the old row before the UPDATE reaches it; the UPDATE then revokes the old row and returns.
 * The successor — a copy of a token the call revoked — stayed live.
 *
 * Here the same order is made deterministic: a port wrapper runs the successor's insert right after
 * the revoking statement (as the snapshot saw it: absent), on PGlite and, when DATABASE_URL is set,
 * on a real server. A fresh token issued after the watermark (another family) stays live: only a
 * family the call revoked a member of is followed. A successor rotated while the follow-up pass
 * ran (its copy after that pass's snapshot) is found by the next pass.
 */
import { PGlite } from '@electric-sql/pglite';
import { afterEach, describe, expect, it } from 'vitest';
import type { RevokeAllFilter, StoredToken, TokenStore } from '../src/store-kit.ts';
import { fromPg, fromPglite, migrate, postgresTokenStore, type SqlPort } from '../src/stores/postgres.ts';
import { storedTokenFixture } from '../src/testing/fixtures.ts';
import { DATABASE_URL, postgresSchema } from './store-backends.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * A raw port, and one whose revoking statement is followed at once by `after()`, and the first
 * statement of its follow-up pass by `afterPass()` (each once).
 */
interface Ports {
  readonly raw: SqlPort;
  readonly hooked: (after: () => Promise<void>, afterPass?: () => Promise<void>) => SqlPort;
}

const isRevoking = (text: string) => text.startsWith('WITH') && text.includes('INSERT INTO keycard_revocations');
const isFollowUp = (text: string) => text.includes('json_array_elements_text');

function hook(raw: SqlPort, after: () => Promise<void>, afterPass: () => Promise<void> = async () => {}): SqlPort {
  const armed = [
    { when: isRevoking, then: after },
    { when: isFollowUp, then: afterPass },
  ];
  return {
    shared: raw.shared,
    async query(text, params) {
      const result = await raw.query(text, params);
      const i = armed.findIndex((h) => h.when(text));
      if (i >= 0) await armed.splice(i, 1)[0]!.then();
      return result;
    },
  };
}

const backends: { name: string; open: () => Promise<Ports> }[] = [
  {
    name: 'PGlite',
    async open() {
      const db = new PGlite();
      cleanups.push(() => db.close());
      const raw = fromPglite(db);
      await migrate(raw);
      return { raw, hooked: (after, afterPass) => hook(raw, after, afterPass) };
    },
  },
  ...(DATABASE_URL
    ? [
        {
          name: 'Postgres',
          async open(): Promise<Ports> {
            const { pool, drop } = await postgresSchema('succ');
            const p = pool(4);
            cleanups.push(drop, () => p.end());
            const raw = fromPg(p);
            await migrate(raw);
            return { raw, hooked: (after, afterPass) => hook(raw, after, afterPass) };
          },
        },
      ]
    : []),
];

const WATERMARK = 2_000;
type Call = 'revokeAll' | 'revokeAllIfCount';

for (const backend of backends)
  for (const call of ['revokeAll', 'revokeAllIfCount'] as const)
    for (const kind of ['personal', 'workspace'] as const)
      describe(`${backend.name}: ${call} of a ${kind} filter raced by a rotation`, () => {
        it('revokes the successor the revoking snapshot missed, and its own successor; spares a new family', async () => {
          const ports = await backend.open();
          const writer = postgresTokenStore(ports.raw, { notifications: 'poll', onError: () => {} });
          cleanups.push(() => writer.close());
          const old = storedTokenFixture({ kind, createdAt: 1_000 });
          const same = { ownerId: old.ownerId, workspaceId: old.workspaceId, kind };
          const filter: RevokeAllFilter =
            kind === 'personal' ? { ownerId: old.ownerId } : { workspaceId: old.workspaceId! };
          await writer.create(old);
          // The rotation's claim landed before the revoking UPDATE reached the old row.
          expect((await writer.update(old.id, { expiresAt: 60_000 }, old.version)).ok).toBe(true);
          // Inserted after the revoking snapshot, created after the watermark.
          const successor = storedTokenFixture({
            ...same,
            createdAt: 3_000,
            rotatedFromId: old.id,
            familyId: old.familyId,
          });
          const next = storedTokenFixture({
            ...same,
            createdAt: 3_001,
            rotatedFromId: successor.id,
            familyId: old.familyId,
          });
          const fresh = storedTokenFixture({ ...same, createdAt: 3_002 });
          const store: TokenStore = postgresTokenStore(
            ports.hooked(async () => {
              for (const t of [successor, next, fresh]) await writer.create(t);
            }),
            { notifications: 'poll', onError: () => {} },
          );
          cleanups.push(async () => store.close?.());
          const answer = await revokeAllBy(store, call, filter);
          const read = async (t: StoredToken) => (await writer.get(t.id))!;
          expect((await read(old)).revokedAt, 'the old token').toBe(WATERMARK);
          for (const t of [successor, next]) {
            const after = await read(t);
            expect(
              after.revokedAt,
              `${t === successor ? 'successor' : "successor's successor"} revoked`,
            ).not.toBeNull();
            expect(after.revokedAt!, 'never revoked before it was created').toBeGreaterThanOrEqual(t.createdAt);
            expect(after.revokedReason).toBe('all gone');
          }
          expect((await read(fresh)).revokedAt, 'a new family issued after the watermark').toBeNull();
          // revokeAll counts what it ended live (the old token, its successor and theirs: their
          // rotations came first); revokeAllIfCount answers the count it confirmed.
          expect(answer).toEqual(call === 'revokeAll' ? { count: 3 } : { ok: true, count: 1 });
        });

        it("follows a successor's own rotation that raced the follow-up pass, again until none is found", async () => {
          const ports = await backend.open();
          const writer = postgresTokenStore(ports.raw, { notifications: 'poll', onError: () => {} });
          cleanups.push(() => writer.close());
          const old = storedTokenFixture({ kind, createdAt: 1_000 });
          const same = { ownerId: old.ownerId, workspaceId: old.workspaceId, kind, familyId: old.familyId };
          const filter: RevokeAllFilter =
            kind === 'personal' ? { ownerId: old.ownerId } : { workspaceId: old.workspaceId! };
          await writer.create(old);
          expect((await writer.update(old.id, { expiresAt: 60_000 }, old.version)).ok).toBe(true);
          const successor = storedTokenFixture({ ...same, createdAt: 3_000, rotatedFromId: old.id });
          const next = storedTokenFixture({ ...same, createdAt: 3_001, rotatedFromId: successor.id });
          const store = postgresTokenStore(
            ports.hooked(
              () => writer.create(successor), // missed by the revoking snapshot
              async () => {
                // The successor rotated while the first pass ran: its copy inserted after that
                // pass's snapshot, its claim landing before the pass revokes the successor.
                await writer.create(next);
                expect((await writer.update(successor.id, { expiresAt: 60_000 }, successor.version)).ok).toBe(true);
              },
            ),
            { notifications: 'poll', onError: () => {} },
          );
          cleanups.push(async () => store.close?.());
          const answer = await revokeAllBy(store, call, filter);
          for (const t of [old, successor, next])
            expect((await writer.get(t.id))!.revokedAt, `${t.id} revoked`).not.toBeNull();
          expect(answer).toEqual(call === 'revokeAll' ? { count: 3 } : { ok: true, count: 1 });
        });
      });

function revokeAllBy(store: TokenStore, call: Call, filter: RevokeAllFilter) {
  return call === 'revokeAll'
    ? store.revokeAll(filter, WATERMARK, 'all gone')
    : store.revokeAllIfCount!(filter, WATERMARK, 'all gone', 1);
}
