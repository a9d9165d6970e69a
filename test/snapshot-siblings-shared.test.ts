/**
 * Siblings of the rotate-vs-revokeAll snapshot gap, raced for real across two keycard instances
 * over one shared store (two store objects over two pools: PGlite always, Redis and a Postgres
 * server when configured). Bounded rounds (`SIBLING_ROUNDS`, default 6; CI runs the default):
 *
 * - a rotation racing `revokeAll` of a workspace, or the confirmed `revokeAll` (`expectCount`) of
 *   an owner: after a `revokeAll` that returned, nothing of the filter is live and no secret of the
 *   family verifies on A or B; its count is the tokens it revoked; a confirmed one never revokes a
 *   successor it did not count (a rotation that succeeded and a confirmed count of 1 exclude
 *   each other);
 * - `issue` by a management token racing that token's revoke, and a leak's revoke racing a
 *   rotation of the leaked token: a call started after the revoke returned is refused, and the
 *   revoked secret is refused everywhere;
 * - a narrowing `update` racing `rotate`: a successor never keeps scopes an update took away
 *   before the rotation claimed the old token.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createKeycard, memoryLimiter, type Keycard, type TokenStore } from '../src/index.ts';
import { LEAK_INTAKE, type LeakIntakePort } from '../src/leaks/port.ts';
import { toadoScopes } from './helpers.ts';
import { until } from './mcp-helpers.ts';
import { SHARED } from './shared-backends.ts';

const ROUNDS = Number(process.env['SIBLING_ROUNDS'] ?? 6);
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

type Outcome<T> = { ok: true; value: T; at: number } | { ok: false; error: unknown; at: number };
/** The call's outcome and when it settled (performance.now()). */
const settle = <T>(p: Promise<T>): Promise<Outcome<T>> =>
  p.then(
    (value) => ({ ok: true as const, value, at: performance.now() }),
    (error: unknown) => ({ ok: false as const, error, at: performance.now() }),
  );
/** A call started after `ms` (0–3 ms: the interleavings vary by round), with when it started. */
const after = <T>(ms: number, f: () => Promise<T>): Promise<Outcome<T> & { started: number }> =>
  new Promise((resolve) =>
    setTimeout(() => {
      const started = performance.now();
      void settle(f()).then((o) => resolve({ ...o, started }));
    }, ms),
  );
const code = (o: Outcome<unknown>) => (o.ok ? 'ok' : (o.error as { code?: string }).code);

async function instances(backend: (typeof SHARED)[number]): Promise<[Keycard, Keycard]> {
  const { a: storeA, b: storeB, close } = await backend.open();
  cleanups.push(close);
  const make = (store: TokenStore): Keycard =>
    createKeycard({ prefix: 'acme', scopes: toadoScopes(), store, limiter: memoryLimiter(), touchIntervalMs: 0 });
  const [a, b] = [make(storeA), make(storeB)];
  cleanups.push(
    () => a.close(),
    () => b.close(),
  );
  return [a, b];
}

/** Every secret in `dead` is refused by A and B (within the shared store's revocation bound). */
async function refusedEverywhere(keycards: readonly Keycard[], dead: readonly string[], what: string) {
  for (const k of keycards) for (const s of dead) await until(async () => !(await k.verify(s)).ok, what);
}

for (const backend of SHARED) {
  describe(`snapshot siblings across two instances (${backend.name})`, () => {
    it(`${ROUNDS} rounds: rotate racing a workspace revokeAll or a confirmed owner revokeAll`, async () => {
      const [a, b] = await instances(backend);
      for (let round = 0; round < ROUNDS; round++) {
        const confirmed = round % 2 === 1;
        const [ownerId, workspaceId] = [`u-${round}`, `w-${round}`];
        const { token, record } = confirmed
          ? await a.issue({ ownerId, label: `r${round}`, scopes: ['read'] })
          : await a.issue({ ownerId, label: `r${round}`, scopes: ['read'], kind: 'workspace', workspaceId });
        await b.verify(token); // B caches it
        const filter = confirmed ? { ownerId } : { workspaceId };
        const [rotated, all] = await Promise.all([
          after(round % 3, () => b.rotate(record.id, { graceMs: 60_000 })),
          after((round >> 1) % 3, () =>
            a.revokeAll(filter, { reason: 'gone', ...(confirmed ? { expectCount: 1 } : {}) }),
          ),
        ]);
        const listed = (await a.list({ ...filter, status: 'all' })).records;
        const gone = listed.filter((t) => t.revokedReason === 'gone');
        if (!all.ok) {
          expect(code(all), `round ${round}: only a confirmed count may be refused`).toBe('count_changed');
          expect(gone, `round ${round}: a refused revokeAll revoked nothing`).toEqual([]);
          continue;
        }
        expect(
          listed.filter((t) => t.revokedAt === null),
          `round ${round}: live after revokeAll`,
        ).toEqual([]);
        // Every token it revoked was live (grace 60 s, no expiry): counted, each once; but a
        // confirmed count is the one confirmed, and a copy whose rotation then failed (its secret
        // never returned) may be ended by the Postgres store's follow-up pass uncounted.
        const failedCopy = (t: (typeof gone)[number]) => !rotated.ok && t.rotatedFromId === record.id;
        const counted = confirmed ? gone.filter((t) => !failedCopy(t)) : gone;
        expect(all.value.count, `round ${round}: the count is what it revoked`).toBe(counted.length);
        if (confirmed)
          expect(rotated.ok, `round ${round}: a rotation that succeeded has a successor a count of 1 left out`).toBe(
            false,
          );
        await refusedEverywhere(
          [a, b],
          [token, ...(rotated.ok ? [rotated.value.token] : [])],
          `round ${round}: a revoked secret refused on A and B`,
        );
      }
    }, 120_000);

    it(`${ROUNDS} rounds: issue by a management token racing its revoke; a leak's revoke racing a rotation`, async () => {
      const [a, b] = await instances(backend);
      const leaks = (a as unknown as Record<symbol, LeakIntakePort>)[LEAK_INTAKE]!;
      const report = { provider: 'github', type: 'keycard', url: 'https://example.test/leak', source: 'commit' };
      for (let round = 0; round < ROUNDS; round++) {
        const ownerId = `m-${round}`;
        const minter = await a.issue({ ownerId, label: `manager ${round}`, scopes: ['tickets:write'] });
        const verified = await b.verify(minter.token);
        if (!verified.ok) throw new Error('the management token should verify');
        const [revoked, child] = await Promise.all([
          after(round % 3, () => a.revoke(minter.record.id, { reason: 'left' })),
          after((round + 1) % 3, () =>
            b.issue({
              ownerId,
              label: 'child',
              scopes: ['read'],
              actor: { kind: 'token', identity: verified.identity },
            }),
          ),
        ]);
        expect(revoked.ok).toBe(true);
        if (child.started > revoked.at)
          expect(code(child), `round ${round}: an issue started after the revoke returned`).toBe('token_revoked');
        if (!child.ok) {
          const live = (await a.list({ ownerId, status: 'active' })).records;
          expect(live, `round ${round}: a refused issue leaves no live child`).toEqual([]);
        }
        await refusedEverywhere([a, b], [minter.token], `round ${round}: the revoked minter refused`);

        const leaked = await a.issue({ ownerId, label: `leaked ${round}`, scopes: ['read'] });
        await b.verify(leaked.token);
        const [leak, rotation] = await Promise.all([
          after(round % 2, () => leaks.revokeLeaked(leaked.record.id, report)),
          after((round >> 1) % 2, () => b.rotate(leaked.record.id)),
        ]);
        expect(leak.ok).toBe(true);
        if (rotation.started > leak.at)
          expect(code(rotation), `round ${round}: a rotation started after the leak's revoke`).toBe('token_revoked');
        const copies = (await a.list({ ownerId, status: 'active' })).records.filter(
          (t) => t.rotatedFromId === leaked.record.id,
        );
        expect(copies.length, `round ${round}: a live copy only from a rotation that succeeded`).toBe(
          rotation.ok ? 1 : 0,
        );
        await refusedEverywhere([a, b], [leaked.token], `round ${round}: the leaked secret refused`);
      }
    }, 120_000);

    it(`${ROUNDS} rounds: a narrowing update racing rotate`, async () => {
      const [a, b] = await instances(backend);
      for (let round = 0; round < ROUNDS; round++) {
        const ownerId = `n-${round}`;
        const { record } = await a.issue({ ownerId, label: `wide ${round}`, scopes: ['tickets:write'] });
        const [narrowed, rotated] = await Promise.all([
          after(round % 3, () => a.update(record.id, { scopes: ['read'] })),
          after((round >> 1) % 3, () => b.rotate(record.id, { graceMs: 60_000 })),
        ]);
        if (!rotated.ok) continue;
        const successor = (await a.get(rotated.value.record.id))!;
        // The successor copies the scopes the rotation read; an update that landed before the
        // claim made that claim fail, so a live successor never outlives a narrowing before it.
        if (narrowed.ok && narrowed.at < rotated.started)
          expect(successor.scopes, `round ${round}: narrowed before the rotation began`).toEqual(['read']);
        if (narrowed.ok && successor.scopes.includes('tickets:write'))
          expect(narrowed.value.expiresAt, `round ${round}: the update narrowed the claimed old token`).not.toBe(
            record.expiresAt,
          );
      }
    }, 120_000);
  });
}
