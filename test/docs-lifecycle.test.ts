/**
 * The argument limits docs/lifecycle.md states ("Arguments are checked first"), at their edges: the
 * value at each limit is accepted and the one past it is `invalid_argument` naming the field, with
 * nothing written. test/bad-input.test.ts covers values far outside them.
 */
import { describe, expect, it } from 'vitest';
import { createKeycard, defineScopes, isKeycardError, type Keycard } from '../src/index.ts';

const YEAR = 365 * 86_400_000;

/** Metadata whose deepest value lies `levels` keys below it (`{ a: { a: 1 } }` is 2 levels). */
function nested(levels: number): Record<string, unknown> {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value as Record<string, unknown>;
}

async function refusal(call: Promise<unknown>): Promise<readonly string[] | 'accepted'> {
  try {
    await call;
    return 'accepted';
  } catch (e) {
    if (!isKeycardError(e) || e.code !== 'invalid_argument') throw e;
    return (e as { fields?: readonly string[] }).fields ?? [];
  }
}

type Edge = [
  name: string,
  at: (kc: Keycard, id: string) => Promise<unknown>,
  past: (kc: Keycard, id: string) => Promise<unknown>,
  field: string,
];

const edges: Edge[] = [
  [
    'label: 200 characters',
    (kc) => kc.issue({ ownerId: 'u1', label: 'x'.repeat(200) }),
    (kc) => kc.issue({ ownerId: 'u1', label: 'x'.repeat(201) }),
    'label',
  ],
  [
    'ownerId: 256 characters',
    (kc) => kc.issue({ ownerId: 'o'.repeat(256), label: 'a' }),
    (kc) => kc.issue({ ownerId: 'o'.repeat(257), label: 'a' }),
    'ownerId',
  ],
  [
    'reason: 500 characters',
    (kc, id) => kc.revoke(id, { reason: 'r'.repeat(500) }),
    (kc, id) => kc.revoke(id, { reason: 'r'.repeat(501) }),
    'reason',
  ],
  [
    'metadata: 32 levels deep',
    (kc) => kc.issue({ ownerId: 'u1', label: 'a', metadata: nested(32) as never }),
    (kc) => kc.issue({ ownerId: 'u1', label: 'a', metadata: nested(33) as never }),
    'metadata',
  ],
  // {"s":"…"} is 8 bytes around the string: 16,376 characters make 16,384 bytes of JSON.
  [
    'metadata: 16 KiB as JSON',
    (kc) => kc.issue({ ownerId: 'u1', label: 'a', metadata: { s: 'x'.repeat(16_376) } }),
    (kc) => kc.issue({ ownerId: 'u1', label: 'a', metadata: { s: 'x'.repeat(16_377) } }),
    'metadata',
  ],
  [
    'graceMs: one year',
    (kc, id) => kc.rotate(id, { graceMs: YEAR }),
    (kc, id) => kc.rotate(id, { graceMs: YEAR + 1 }),
    'graceMs',
  ],
  [
    'list limit: 500',
    (kc) => kc.list({ ownerId: 'u1', limit: 500 }),
    (kc) => kc.list({ ownerId: 'u1', limit: 501 }),
    'limit',
  ],
  [
    'expiresAt: 253402300799999 (9999-12-31T23:59:59.999Z)',
    (kc) => kc.issue({ ownerId: 'u1', label: 'a', expiresAt: 253_402_300_799_999 }),
    (kc) => kc.issue({ ownerId: 'u1', label: 'a', expiresAt: 253_402_300_800_000 }),
    'expiresAt',
  ],
];

describe('docs/lifecycle.md: each argument limit, at and one past its edge', () => {
  for (const [name, at, past, field] of edges) {
    it(name, async () => {
      const kc = createKeycard({ prefix: 'acme', scopes: defineScopes({ read: {} }, { defaults: ['read'] }) });
      const { record } = await kc.issue({ ownerId: 'u1', label: 'target', expiresIn: '30d' });
      const before = (await kc.list({ status: 'all' })).records.map((r) => [r.id, r.version]);
      expect(await refusal(past(kc, record.id))).toEqual([field]);
      expect((await kc.list({ status: 'all' })).records.map((r) => [r.id, r.version])).toEqual(before);
      expect(await refusal(at(kc, record.id))).toBe('accepted');
      await kc.close();
    });
  }
});
