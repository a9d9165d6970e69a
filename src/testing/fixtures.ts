/**
 * Test data for token stores: valid records with fresh random identities, so tests never
 * collide with each other or with what a shared database already holds.
 */
import { randomBase62 } from '../core/token.ts';
import type { StoredToken } from '../core/store.ts';
import { checkArguments } from '../core/arguments-check.ts';

/**
 * The default `createdAt` of a fixture (2025-01-01T00:00:00.000Z). A fixed instant rather than
 * the wall clock, so a test that compares times is reproducible; pass `createdAt` to spread
 * records out in time.
 */
export const FIXTURE_EPOCH = Date.UTC(2025, 0, 1);

/**
 * Lowercase hex of `bytes` random bytes from the platform CSPRNG (Web Crypto, no `node:` import).
 * Random, not seeded: fixtures run against shared servers, where a seeded id would collide with
 * the one the previous run left behind.
 *
 * @example A unique hash for a hand-built record
 * ```ts
 * const hash = randomHex(32); // 64 hex characters, like a SHA-256 digest
 * ```
 */
export function randomHex(bytes: number): string {
  const ok = Number.isInteger(bytes) && bytes >= 0 && bytes <= 65_536;
  checkArguments('randomHex', ['bytes', ok, 'a whole number of bytes from 0 to 65536', bytes]);
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  let out = '';
  for (const b of buf) out += b.toString(16).padStart(2, '0');
  return out;
}

/**
 * Builds a valid `StoredToken` with a random id (`tok_` + 22 base62 characters, the shape keycard
 * issues), a random 64-hex hash and a random owner, then applies `overrides`.
 *
 * The defaults describe an active personal token: never expires, never used, version 1, no
 * restrictions, no rate-limit override, empty metadata. `familyId` follows the final `id` unless
 * overridden, and a `workspace` token without an explicit `workspaceId` gets a random one, so the
 * record keeps the invariants a store may rely on. Ids mix upper and lower case on purpose: a
 * store must order them by code unit (binary collation), and random mixed-case ids expose one
 * that does not.
 *
 * @example A workspace token created a minute after the epoch
 * ```ts
 * import { storedTokenFixture, FIXTURE_EPOCH } from 'keycard/testing';
 * const token = storedTokenFixture({ kind: 'workspace', createdAt: FIXTURE_EPOCH + 60_000 });
 * await store.create(token);
 * ```
 */
export function storedTokenFixture(overrides: Partial<StoredToken> = {}): StoredToken {
  const ok = typeof overrides === 'object' && overrides !== null;
  checkArguments('storedTokenFixture', ['overrides', ok, 'an object of StoredToken fields', overrides]);
  const id = overrides.id ?? `tok_${randomBase62(22)}`;
  const kind = overrides.kind ?? 'personal';
  return {
    id,
    label: 'fixture token',
    ownerId: `usr_${randomBase62(16)}`,
    kind,
    workspaceId: kind === 'workspace' ? `ws_${randomBase62(16)}` : null,
    scopes: ['tokens:read'],
    restrictions: null,
    rateLimit: null,
    createdAt: FIXTURE_EPOCH,
    createdBy: null,
    expiresAt: null,
    revokedAt: null,
    revokedReason: null,
    lastUsedAt: null,
    rotatedFromId: null,
    familyId: id,
    start: `test_sk_…${randomBase62(4)}`,
    metadata: {},
    version: 1,
    hash: randomHex(32),
    pepperVersion: 0,
    ...overrides,
  };
}
