/**
 * A leaked token's offspring (SPEC §15) with real concurrency: two keycard instances over one
 * shared store (PGlite; Redis and a Postgres server when REDIS_URL / DATABASE_URL are set), as two
 * processes. Process A takes the leak report for a root token; meanwhile process B keeps using
 * what the root made: a child minting grandchildren (and those minting in turn), a child rotating
 * itself again and again, the root minting, and in some rounds a `revokeAll` of the owner or
 * workspace. A takes the report after a random number of B's secrets (and `revokeAll` runs after
 * another), so B's calls land before, during and after the intake's passes. After each round no token of the owner is
 * live (each is the root or its offspring: revoked by the intake, by `revokeAll`, or refused at
 * issue), and every token revoked as leaked was told to `onLeak` and audited exactly once.
 * Rounds per backend: LEAK_OFFSPRING_ROUNDS (default 8), e.g.
 * `LEAK_OFFSPRING_ROUNDS=200 bash scripts/with-servers.sh npx vitest run test/leaks-offspring-race.test.ts`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { TokenAuditEvent } from '../src/core/audit.ts';
import {
  createKeycard,
  defineScopes,
  KeycardError,
  memoryAuditSink,
  type IssuedToken,
  type Keycard,
  type TokenRecord,
} from '../src/index.ts';
import { fakeClock } from '../src/testing/clock.ts';
import { leakFixture } from './leaks-fixture.ts';
import { SHARED } from './shared-backends.ts';

const ROUNDS = Number(process.env.LEAK_OFFSPRING_ROUNDS ?? 8);
const scopes = defineScopes({ read: {}, 'tokens:write': {} }, { defaults: ['read'] });
const grant = ['read', 'tokens:write'] as const;
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c();
});

const actorOf = async (keycard: Keycard, token: string) => {
  const v = await keycard.verify(token);
  if (!v.ok) throw new KeycardError('token_revoked', `not live: ${v.code}`);
  return { kind: 'token' as const, identity: v.identity };
};
/** When B was handed each secret (performance.now()), to count rounds where one landed mid-intake. */
const stamps: number[] = [];
/** Waiters for B's k-th secret (timers would starve while PGlite answers in this thread). */
let waiters: { k: number; go: () => void }[] = [];
const stamp = () => {
  stamps.push(performance.now());
  waiters = waiters.filter((w) => (stamps.length >= w.k ? void w.go() : true));
};
const afterSecrets = (k: number) => new Promise<void>((go) => (k <= stamps.length ? go() : waiters.push({ k, go })));
/** A refusal the race may cause (the minter or the rotated token was revoked meanwhile). */
const refused = (e: unknown) => e instanceof KeycardError && e.code === 'token_revoked';

/** Process B: `minter` mints, each child mints once more, until a mint is refused (at most `n`). */
async function mintChain(b: Keycard, minter: string, shape: object, handed: IssuedToken[], n = 6) {
  for (let i = 0; i < n; i++) {
    const t = await b.issue({ ...shape, label: `m${i}`, scopes: [...grant], actor: await actorOf(b, minter) } as never);
    handed.push(t);
    stamp();
    const g = await b.issue({
      ...shape,
      label: `g${i}`,
      scopes: [...grant],
      actor: await actorOf(b, t.token),
    } as never);
    handed.push(g);
    stamp();
  }
}

/** Process B: `token` rotates itself, its successor rotates itself, … until refused (at most `n`). */
async function rotateChain(b: Keycard, token: IssuedToken, handed: IssuedToken[], n = 6) {
  let current = token;
  for (let i = 0; i < n; i++) {
    current = await b.rotate(current.record.id, { graceMs: 60_000, actor: await actorOf(b, current.token) });
    handed.push(current);
    stamp();
  }
}

describe.each(SHARED.map((s) => [s.name, s] as const))('offspring racing the leak intake on %s', (_n, shared) => {
  it(`${ROUNDS} rounds: nothing the root made stays live; each leaked one told and audited once`, async () => {
    const { a: storeA, b: storeB, close } = await shared.open();
    closers.push(close);
    const clock = fakeClock(); // frozen: every call lands in one millisecond, the narrowest case
    const auditA = memoryAuditSink();
    const make = (store: typeof storeA, audit = memoryAuditSink()) =>
      createKeycard({ prefix: 'acme', scopes, store, clock, audit, revocationBoundMs: 1_000, onWarning: () => {} });
    const a = make(storeA, auditA);
    const b = make(storeB);
    closers.push(async () => void (await a.close(), await b.close()));
    const f = await leakFixture({}, a, clock);
    const pick = () => Math.floor(Math.random() * 18); // B hands out at most 16 (24 when rotating)
    const stats = { interleaved: 0, handed: 0, refused: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const variant = round % 4;
      const ownerId = `u${round}`;
      const shape =
        variant === 3 ? { ownerId, kind: 'workspace', workspaceId: `w${round}` } : { ownerId, kind: 'personal' };
      const root = await a.issue({ ...shape, label: 'root', scopes: [...grant] } as never);
      const child = await a.issue({
        ...shape,
        label: 'child',
        scopes: [...grant],
        actor: await actorOf(a, root.token),
      } as never);
      const request = await f.report(f.body([root.token]));
      const handed: IssuedToken[] = [root, child];
      stamps.length = 0;
      const bSide = async () => {
        const chains = [
          mintChain(b, child.token, shape, handed),
          mintChain(b, root.token, shape, handed, 2),
          ...(variant === 1 ? [rotateChain(b, child, handed)] : []),
        ];
        // Once the chains end (refused early, say), nobody waits for a secret that will not come.
        void Promise.allSettled(chains).then(() => (waiters.forEach((w) => w.go()), (waiters = [])));
        const filter = variant === 3 ? { workspaceId: `w${round}` } : { ownerId };
        const revokeAll =
          variant >= 2 ? [afterSecrets(pick()).then(() => b.revokeAll(filter, { reason: 'owner' }))] : [];
        for (const r of await Promise.allSettled([...chains, ...revokeAll])) {
          if (r.status === 'rejected' && !refused(r.reason)) throw r.reason;
          if (r.status === 'rejected') stats.refused++;
        }
      };
      // A takes the report after a random number of B's secrets, so B's calls land before,
      // during and after the intake's passes.
      let [began, ended] = [0, 0];
      const aSide = async () => {
        await afterSecrets(pick());
        began = performance.now();
        const res = await f.handler(request);
        ended = performance.now();
        return res;
      };
      const started = performance.now();
      const [res] = await Promise.all([aSide(), bSide()]);
      expect(res.status).toBe(200);
      if (stamps.some((t) => t > began && t < ended)) stats.interleaved++;
      if (process.env.DEBUG_RACE)
        console.log(
          round,
          Math.round(began - started),
          Math.round(ended - started),
          stamps.map((t) => Math.round(t - started)).join(','),
        );
      stats.handed += handed.length;

      const all: TokenRecord[] = [];
      for (let cursor: string | null = null; ;) {
        const page: Awaited<ReturnType<Keycard['list']>> = await a.list({ ownerId, limit: 500, cursor });
        all.push(...page.records);
        if (!(cursor = page.nextCursor)) break;
      }
      for (const t of handed) expect(all.map((r) => r.id)).toContain(t.record.id);
      const live = all.filter((t) => t.revokedAt === null && (t.expiresAt === null || t.expiresAt > clock.now()));
      expect({ round, live: live.map((t) => t.label) }).toEqual({ round, live: [] });
      const leakedIds = all
        .filter((t) => t.revokedReason === 'leaked')
        .map((t) => t.id)
        .sort();
      const told = f.notices.filter((n) => n.record.ownerId === ownerId).map((n) => n.record.id);
      expect(told.sort()).toEqual(leakedIds);
      const audited = auditA.events
        .filter((e): e is TokenAuditEvent => e.type === 'token.revoked' && e.reason === 'leaked')
        .filter((e) => e.ownerId === ownerId)
        .map((e) => e.tokenId);
      expect(audited.sort()).toEqual(leakedIds);
    }
    // What the rounds exercised (not asserted: timing decides it), for the record.
    console.log(`${shared.name}: ${ROUNDS} rounds`, stats);
  }, 600_000);
});
