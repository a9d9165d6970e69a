/**
 * A request id holding a token's secret part in hex (SPEC §7; house rule: a secret never appears
 * in an event or response in any encoding). `redact` masks a whole token in hex (88+ digits: the
 * prefix decodes) and a 64-digit digest, and requestIdFrom now generates an id for a run of 32+
 * mixed-case base62 characters (test/request-id-token-tail.test.ts). The hex image of the 39
 * characters after `<prefix>_<type>_` (78 digits), or of the version and body (66, the whole
 * secret once the public prefix is known), is one letter case and decodes to no prefix: it was
 * kept as the id, written to every sink and echoed. A run of 64+ hex digits holding a digit (each
 * byte of base62 text is `3x`–`7x`) now gets a generated id (a run of exactly 64 already did,
 * through `redact`); shorter hex runs (SHA-1, W3C trace ids, UUIDs) are kept.
 */
import { describe, expect, it } from 'vitest';
import { createKeycard, defineScopes, memoryAuditSink } from '../src/index.ts';
import { requestIdFrom } from '../src/adapter-kit.ts';

const scopes = defineScopes({ read: {} }, { defaults: ['read'] });
const GENERATED = /^[0-9a-f-]{36}-[0-9a-z]+$/;
const hex = (s: string) => Buffer.from(s).toString('hex');

describe("a request id holding a token's secret part in hex", () => {
  it('requestIdFrom generates an id instead; hex runs under 64 digits are kept', async () => {
    const keycard = createKeycard({ prefix: 'acme', scopes });
    const { token } = await keycard.issue({ ownerId: 'u1', label: 'a' });
    await keycard.close();
    const tail = token.slice('acme_sk_'.length);
    for (const header of [
      hex(tail),
      hex(tail).toUpperCase(),
      hex(tail.slice(0, 33)),
      `req-${hex(tail.slice(0, 33))}`,
      `${hex(tail)}.1`,
      '0'.repeat(65), // digits only: no id we know of
    ])
      expect(requestIdFrom(header), header).toMatch(GENERATED);
    for (const header of [
      'da39a3ee5e6b4b0d3255bfef95601890afd80709', // SHA-1
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', // W3C traceparent
      'a'.repeat(63),
      'a'.repeat(128), // no digit: not base62 text in hex (docs/audit.md's longest id)
      `${'a'.repeat(40)}.${'b'.repeat(40)}`,
    ])
      expect(requestIdFrom(header)).toBe(header);
  });

  it('never reaches a request event', async () => {
    const sink = memoryAuditSink();
    const keycard = createKeycard({ prefix: 'acme', scopes, audit: sink });
    const { token } = await keycard.issue({ ownerId: 'u1', label: 'a' });
    const secret = hex(token.slice('acme_sk_'.length));
    await keycard.authenticate(
      new Request('http://localhost/api', { headers: { authorization: `Bearer ${token}`, 'x-request-id': secret } }),
    );
    await keycard.close();
    expect(JSON.stringify(sink.events)).not.toContain(secret.slice(0, 66));
  });
});
