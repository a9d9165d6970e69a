/**
 * "Revoke all" with a confirmed count is exact (SPEC §11): `POST /tokens/revoke-all` with
 * `expectCount: N` racing the creation of a token covered by the same target either answers 409
 * `count_changed` having revoked nothing, or answers `{ count: N }` having revoked exactly the N
 * tokens the person confirmed — the new token stays active. Before the fix, the handler counted,
 * then revoked, and a token created in between was revoked too (200 `{ count: N + 1 }`).
 *
 * The new token is issued by a second instance (another process) whose clock is a minute ahead,
 * so neither the store's watermark nor the issuing instance's own refusal (which cover a token
 * created at or before the revokeAll's instant) has a say: only the count and the revocation do.
 * On every store: memory, PGlite, and Redis and a Postgres server when their URLs are set.
 */
import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createKeycard,
  createManagementHandler,
  memoryAuditSink,
  memoryTokenStore,
  type Keycard,
  type TokenStore,
  type UserActor,
} from '../../src/index.ts';
import { fakeClock, randomHex, storedTokenFixture } from '../../src/testing/index.ts';
import { drive, type RaceScheduler } from '../../src/testing/token-store-suite-helpers.ts';
import { BACKENDS } from '../store-backends.ts';
import { BASE, ORIGIN, catalogue } from './fixture.ts';

const T0 = Date.UTC(2026, 0, 1);
const N = 2;
const quiet = { onWarning: () => {}, onError: () => {} };
const REMOTE_RUNS = 15;

/**
 * `inner` whose create, list and revoke-all calls start only when the current scheduler releases
 * them (at once while there is none): the count, the revocation and the insert then interleave
 * in every order the scheduler picks, and each released call runs for real on the store.
 */
function scheduled(inner: TokenStore) {
  let current: RaceScheduler | null = null;
  const gate = <F extends (...a: never[]) => unknown>(name: string, f: F): F =>
    ((...a: Parameters<F>) =>
      current ? current.schedule(Promise.resolve(name), name).then(() => f(...a)) : f(...a)) as F;
  const methods: Partial<TokenStore> = {
    create: gate('create', inner.create),
    list: gate('list', inner.list),
    revokeAll: gate('revokeAll', inner.revokeAll),
  };
  if (inner.revokeAllIfCount) methods.revokeAllIfCount = gate('revokeAllIfCount', inner.revokeAllIfCount);
  const store = Object.assign(Object.create(inner) as TokenStore, methods);
  return { store, use: (s: RaceScheduler | null) => void (current = s) };
}

/** Two instances over one store (admin answers the management API; minter is ahead by a minute). */
function world(store: TokenStore) {
  const sink = memoryAuditSink();
  const admin = createKeycard({
    prefix: 'acme',
    scopes: catalogue(),
    store,
    clock: fakeClock(T0),
    audit: [sink],
    ...quiet,
  });
  const minter = createKeycard({ prefix: 'acme', scopes: catalogue(), store, clock: fakeClock(T0 + 60_000), ...quiet });
  const handler = createManagementHandler(admin, {
    basePath: BASE,
    managementScope: 'manage',
    authorize: (r): UserActor => ({ kind: 'user', id: r.headers.get('x-user') ?? '', scopes: ['read', 'manage'] }),
  });
  const revokeAll = async (owner: string, expectCount: number) => {
    const res = await handler(
      new Request(`${ORIGIN}${BASE}/tokens/revoke-all`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: ORIGIN, 'x-user': owner },
        body: JSON.stringify({ target: { ownerId: owner }, reason: 'confirmed', expectCount }),
      }),
    );
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return { admin, minter, sink, revokeAll };
}

/** N tokens of a fresh owner, issued by `admin`. */
async function owned(admin: Keycard) {
  const owner = `usr_${randomHex(6)}`;
  const ids: string[] = [];
  for (let i = 0; i < N; i++)
    ids.push((await admin.issue({ ownerId: owner, label: `old ${i}`, scopes: ['read'] })).record.id);
  return { owner, ids };
}

/** The law: 409 and all N + 1 active, or { count: N }, the N confirmed revoked and the new one active. */
async function checkOutcome(
  w: ReturnType<typeof world>,
  owner: string,
  ids: readonly string[],
  answer: { status: number; body: Record<string, unknown> },
  freshId: string,
) {
  const records = (await w.admin.list({ ownerId: owner, limit: 500 })).records;
  const state = Object.fromEntries(records.map((r) => [r.id, r.revokedAt === null ? 'active' : r.revokedReason]));
  const events = w.sink.events.filter((e) => e.type === 'token.revoked' && e.ownerId === owner && e.tokenId === null);
  if (answer.status === 200) {
    expect({ answer: answer.body, state }).toEqual({
      answer: { count: N },
      state: { ...Object.fromEntries(ids.map((id) => [id, 'confirmed'])), [freshId]: 'active' },
    });
    expect(events.map((e) => ('count' in e ? e.count : null))).toEqual([N]);
  } else {
    expect({ status: answer.status, answer: answer.body, state }).toEqual({
      status: 409,
      answer: expect.objectContaining({ code: 'count_changed', expected: N, actual: N + 1 }),
      state: { ...Object.fromEntries(ids.map((id) => [id, 'active'])), [freshId]: 'active' },
    });
    expect(events).toEqual([]); // a 409 audits no revocation
  }
}

describe.each(BACKENDS)('$name', (backend) => {
  let inner: TokenStore;
  let close: () => Promise<void>;
  beforeAll(async () => ({ store: inner, close } = await backend.open()), 60_000); // PGlite starts slowly on a loaded machine
  afterAll(async () => close());
  const runs = backend.name === 'memory' ? 100 : REMOTE_RUNS;

  it(`a create racing "Revoke all" (expectCount ${N}), in every order (fc.scheduler): 409 with nothing revoked, or exactly ${N} revoked and the new token active`, async () => {
    const { store, use } = scheduled(inner);
    const w = world(store);
    try {
      await fc.assert(
        fc.asyncProperty(fc.scheduler(), async (s) => {
          const { owner, ids } = await owned(w.admin);
          use(s);
          const answer = w.revokeAll(owner, N);
          const fresh = w.minter.issue({ ownerId: owner, label: 'new', scopes: ['read'] });
          try {
            await drive(s, [answer, fresh]);
          } finally {
            use(null);
          }
          await checkOutcome(w, owner, ids, await answer, (await fresh).record.id);
        }),
        { numRuns: runs },
      );
    } finally {
      await w.admin.close();
      await w.minter.close();
    }
  });

  it('a create racing "Revoke all", free-running (no scheduler), the create started 0–9 event-loop turns later: the same law', async () => {
    const w = world(inner);
    try {
      for (let round = 0; round < 20; round++) {
        const { owner, ids } = await owned(w.admin);
        const answer = w.revokeAll(owner, N);
        for (let i = 0; i < round % 10; i++) await new Promise((r) => setImmediate(r));
        const fresh = await w.minter.issue({ ownerId: owner, label: 'new', scopes: ['read'] });
        await checkOutcome(w, owner, ids, await answer, fresh.record.id);
      }
    } finally {
      await w.admin.close();
      await w.minter.close();
    }
  });
});

it('a 409 writes nothing: no revocation, no watermark, no token.* event (only the refusal, management.denied), no token.revokedAll event', async () => {
  const store = memoryTokenStore();
  const w = world(store);
  const { owner, ids } = await owned(w.admin);
  const heard: unknown[] = [];
  w.admin.on('token.revokedAll', (e) => heard.push(e));
  w.sink.clear();
  const answer = await w.revokeAll(owner, N + 1);
  expect(answer).toEqual({
    status: 409,
    body: expect.objectContaining({ code: 'count_changed', expected: N + 1, actual: N }),
  });
  const records = (await w.admin.list({ ownerId: owner, limit: 500 })).records;
  expect(records.map((r) => [r.id, r.revokedAt]).sort()).toEqual(ids.map((id) => [id, null]).sort());
  expect({ events: w.sink.events.map((e) => [e.type, (e as { code?: string }).code]), heard }).toEqual({
    events: [['management.denied', 'count_changed']],
    heard: [],
  });
  // No watermark: a token created a millisecond before the refused revoke-all's instant is stored active.
  const late = storedTokenFixture({ ownerId: owner, createdAt: T0 - 1 });
  await store.create(late);
  expect((await store.get(late.id))?.revokedAt).toBeNull();
  await w.admin.close();
  await w.minter.close();
});

it('a custom store without revokeAllIfCount keeps working: counts with list, then revokes (not exact)', async () => {
  const inner = memoryTokenStore();
  const store: TokenStore = Object.assign(Object.create(inner) as TokenStore, { revokeAllIfCount: undefined });
  const w = world(store);
  const { owner, ids } = await owned(w.admin);
  expect(await w.revokeAll(owner, N + 1)).toEqual({
    status: 409,
    body: expect.objectContaining({ code: 'count_changed', expected: N + 1, actual: N }),
  });
  expect((await w.admin.list({ ownerId: owner, status: 'active', limit: 500 })).records.length).toBe(N);
  expect(await w.revokeAll(owner, N)).toEqual({ status: 200, body: { count: N } });
  const revoked = (await w.admin.list({ ownerId: owner, status: 'revoked', limit: 500 })).records;
  expect(revoked.map((r) => r.id).sort()).toEqual([...ids].sort());
  await w.admin.close();
  await w.minter.close();
});
