/**
 * A client's `X-Request-Id` holding a token without its prefix (SPEC §7: no event or response
 * ever contains a secret token). The id pattern admits `[A-Za-z0-9._:-]`, and `redact` masks a
 * token only with its `<prefix>_<type>_`, so `sk_<39 characters>`, the 39 characters alone, or the
 * version and body alone (the checksum is the CRC of what precedes it: 33 characters are the whole
 * secret once the public prefix is known) were kept as the request id: written to every sink, shown
 * by `GET /tokens/:id/activity` to whoever may read the token. A run of 32 or more base62
 * characters holding both letter cases is now taken for a secret, and the id is generated instead.
 */
import { describe, expect, it } from 'vitest';
import { createKeycard, defineScopes, memoryAuditSink } from '../src/index.ts';
import { requestIdFrom } from '../src/adapter-kit.ts';
import { setup } from './manage/fixture.ts';

const scopes = defineScopes({ read: {} }, { defaults: ['read'] });
const GENERATED = /^[0-9a-f-]{36}-[0-9a-z]+$/;

async function aToken(): Promise<string> {
  const keycard = createKeycard({ prefix: 'acme', scopes });
  const { token } = await keycard.issue({ ownerId: 'u1', label: 'a' });
  await keycard.close();
  return token;
}

/** The ways a token's secret part reaches the header without the prefix `redact` looks for. */
const carriers = (token: string): string[] => {
  const tail = token.slice('acme_sk_'.length); // version, 32 body characters, 6 checksum ones
  return [
    tail,
    `sk_${tail}`,
    `req-${tail}`,
    `${tail}.1`,
    tail.slice(0, 33),
    tail.slice(1, 33),
    `trace:${tail.slice(0, 33)}`,
  ];
};

describe('a request id holding a token without its prefix', () => {
  it('requestIdFrom generates an id instead', async () => {
    const token = await aToken();
    for (const header of carriers(token)) expect(requestIdFrom(header), header).toMatch(GENERATED);
  });

  it('keeps ids that hold no such run: UUIDs, 40-hex digests, ULIDs, short mixed-case ids', () => {
    for (const header of [
      'req-42',
      '5b0e4c3e-7c1f-4f43-9d0e-6a2b8f1d2c11',
      'da39a3ee5e6b4b0d3255bfef95601890afd80709', // SHA-1, lowercase hex
      '0AF7651916CD43DD8448EB211C80319C0AF7651916CD43DD', // uppercase hex
      '01ARZ3NDEKTSV4RRFFQ69G5FAV', // ULID
      '2ZuIhjuIo7Y8NAGJZNSdQ2RXqbp', // KSUID, 27 characters
      'abcdefghijklmnopqrstuvwxyzabcdefghij', // letters of one case
    ])
      expect(requestIdFrom(header)).toBe(header);
  });

  it('never reaches a request event', async () => {
    const token = await aToken();
    const tail = token.slice('acme_sk_'.length);
    const sink = memoryAuditSink();
    const keycard = createKeycard({ prefix: 'acme', scopes, audit: sink });
    const own = (await keycard.issue({ ownerId: 'u1', label: 'a' })).token;
    for (const id of [tail, `sk_${tail}`])
      await keycard.authenticate(
        new Request('http://localhost/api', { headers: { authorization: `Bearer ${own}`, 'x-request-id': id } }),
      );
    await keycard.close();
    const text = JSON.stringify(sink.events);
    expect(text).not.toContain(tail.slice(0, 33));
  });

  it('never reaches a management event', async () => {
    const w = setup();
    const token = await aToken();
    const tail = token.slice('acme_sk_'.length);
    const res = await w.call('POST', '/tokens', {
      body: { label: 'ci', scopes: ['read'] },
      headers: { 'x-request-id': `sk_${tail}` },
    });
    expect(res.status).toBe(201);
    expect(JSON.stringify(w.sink.events)).not.toContain(tail.slice(0, 33));
    await w.keycard.close();
  });
});
