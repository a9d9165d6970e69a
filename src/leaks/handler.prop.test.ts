import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { leakFixture, sign } from '../../test/leaks-fixture.ts';

/**
 * 10,000 random deliveries against one endpoint holding live tokens: none may be answered 2xx
 * unless it is a genuine signed report, and none may revoke anything or touch the store.
 */
describe('leak intake under random payloads', async () => {
  const f = await leakFixture();
  const live = await Promise.all([1, 2, 3].map((i) => f.keycard.issue({ ownerId: `u${i}`, label: `t${i}` })));
  const genuine = new TextEncoder().encode(f.body(live.map((t) => t.token)));
  const genuineSig = await sign(f.key, genuine);
  const calls = f.storeCalls();
  const post = (body: Uint8Array, headers: Record<string, string>) =>
    f.handler(
      new Request('http://localhost/leaks', { method: 'POST', body: body as Uint8Array<ArrayBuffer>, headers }),
    );

  const bytes = fc.uint8Array({ maxLength: 512 });
  const headerValue = fc.oneof(fc.constant('k1'), fc.string({ maxLength: 40 }), fc.base64String({ maxLength: 120 }));
  /** The genuine body, altered: a byte flipped, cut, or extended; the signature is the genuine one. */
  const tampered = fc
    .tuple(
      fc.nat(genuine.length - 1),
      fc.integer({ min: 1, max: 255 }),
      fc.constantFrom('flip', 'cut', 'extend'),
      bytes,
    )
    .map(([at, xor, how, extra]) => {
      if (how === 'flip') {
        const b = genuine.slice();
        b[at] = b[at]! ^ xor;
        return b;
      }
      if (how === 'cut') return genuine.slice(0, at);
      return Uint8Array.of(...genuine, ...(extra.length > 0 ? extra : [0x20]));
    });

  test.prop(
    [
      fc.oneof(
        // random bytes with random (or the genuine) headers
        fc.record({ body: bytes, id: headerValue, sig: fc.oneof(headerValue, fc.constant(genuineSig)) }),
        // the genuine report tampered with, under the genuine signature
        fc.record({ body: tampered, id: fc.constant('k1'), sig: fc.constant(genuineSig) }),
        // random JSON text (never an array of matches) or random bytes, genuinely signed: 400
        fc.record({
          body: fc.oneof(
            fc
              .json()
              .filter((j) => !j.startsWith('['))
              .map((j) => new TextEncoder().encode(j)),
            bytes.filter((b) => b[0] !== 0x5b),
          ),
          id: fc.constant('k1'),
          sig: fc.constant('sign'),
        }),
      ),
    ],
    { numRuns: 10_000 },
  )(
    'is refused (401 or 400) and revokes nothing',
    async ({ body, id, sig }) => {
      const signature = sig === 'sign' ? await sign(f.key, body) : sig;
      const res = await post(body, { 'github-public-key-identifier': id, 'github-public-key-signature': signature });
      expect([400, 401]).toContain(res.status);
      if (sig !== 'sign') expect(res.status).toBe(401);
      expect(f.storeCalls()).toBe(calls);
    },
    300_000,
  ); // 10,000 WebCrypto verifications: ~12 s alone, more on a shared 2-core machine

  test('and afterwards every token is still live, nothing was announced, and the key list was fetched once', async () => {
    for (const t of live) expect((await f.keycard.verify(t.token)).ok).toBe(true);
    expect(f.notices).toHaveLength(0);
    expect(f.fetches()).toBe(1);
  });
});
