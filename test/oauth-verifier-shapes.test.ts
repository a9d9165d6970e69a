/**
 * The foreign-token port's answers (SPEC §16, as issue 11 item 4 did for owner resolvers): a
 * verifier — or `jwtAccessTokens`' `owner` hook — that answers a shape other than the documented
 * one is a 503 `unavailable` reported through `onError`, never an identity built from it.
 */
import { describe, expect, it } from 'vitest';
import { createKeycard, defineScopes, type ForeignVerification } from '../src/index.ts';

const GOOD = {
  ok: true,
  tokenId: 'oauth:u_1:c',
  subject: 'u_1',
  clientId: 'c',
  scopes: ['read'],
  expiresAt: Date.now() + 60_000,
  issuedAt: Date.now(),
  ownerId: 'u_1',
  workspaceId: null,
  label: 'c (OAuth)',
} as const;

async function answerFor(answer: unknown) {
  const errors: unknown[] = [];
  const keycard = createKeycard({
    prefix: 'acme',
    scopes: defineScopes({ read: {} }),
    oauth: { kind: 'oauth', verify: async () => answer as ForeignVerification },
    onError: (e) => void errors.push(e),
  });
  const r = await keycard.authenticate(
    { method: 'GET', url: 'http://127.0.0.1/api', headers: { authorization: 'Bearer eyJ.e30.x' } },
    { scope: 'read' },
  );
  await keycard.close();
  return { r: r.ok ? 'ok' : r.skip ? 'skip' : `${r.status} ${r.code}`, errors: errors.length };
}

describe('a foreign verifier answering the wrong shape', () => {
  it('the documented answers still work', async () => {
    expect(await answerFor(GOOD)).toEqual({ r: 'ok', errors: 0 });
    expect(await answerFor({ ...GOOD, workspaceId: 'w_1', clientId: null })).toEqual({ r: 'ok', errors: 0 });
    expect(await answerFor({ ...GOOD, issuer: 'https://auth.test' })).toEqual({ r: 'ok', errors: 0 });
    expect(await answerFor({ ok: false, code: 'token_expired' })).toEqual({ r: '401 token_expired', errors: 0 });
  });

  it.each([
    ['workspaceId a number', { workspaceId: 42 }],
    ['workspaceId an object', { workspaceId: { id: 'w' } }],
    ['workspaceId empty', { workspaceId: '' }],
    ['ownerId missing', { ownerId: undefined }],
    ['ownerId empty', { ownerId: '' }],
    ['tokenId a number', { tokenId: 7 }],
    ['scopes a string', { scopes: 'read' }],
    ['scopes holding a number', { scopes: ['read', 1] }],
    ['expiresAt a string', { expiresAt: 'tomorrow' }],
    ['expiresAt NaN', { expiresAt: Number.NaN }],
    ['label missing', { label: undefined }],
    ['clientId a number', { clientId: 3 }],
    ['issuer a number', { issuer: 9 }],
    ['issuer empty', { issuer: '' }],
  ])('%s ⇒ 503 unavailable, reported', async (_name, patch) => {
    expect(await answerFor({ ...GOOD, ...patch })).toEqual({ r: '503 unavailable', errors: 1 });
  });

  it.each([
    ['null', null],
    ['a string', 'ok'],
    ['ok: false with an unknown code', { ok: false, code: 'nope' }],
  ])('%s ⇒ 503 unavailable, reported', async (_name, answer) => {
    expect(await answerFor(answer)).toEqual({ r: '503 unavailable', errors: 1 });
  });
});

describe('a foreign verifier answering unavailable with the failure behind it', () => {
  const token = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1XzEifQ.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';
  async function reports(answer: ForeignVerification | ((token: string) => Promise<ForeignVerification>)) {
    const errors: unknown[] = [];
    const keycard = createKeycard({
      prefix: 'acme',
      scopes: defineScopes({ read: {} }),
      oauth: { kind: 'oauth', verify: typeof answer === 'function' ? answer : async () => answer },
      onError: (e) => void errors.push(e),
    });
    const r = await keycard.authenticate({
      method: 'GET',
      url: 'http://127.0.0.1/api',
      headers: { authorization: `Bearer ${token}` },
    });
    await keycard.close();
    return { status: r.ok || r.skip ? 0 : r.status, errors };
  }

  it('reports the error through onError as unavailable, with the bearer token masked', async () => {
    const cause = new Error(`key set down while verifying ${token}`);
    const { status, errors } = await reports({
      ok: false,
      code: 'unavailable',
      error: new Error('JWKS down', { cause }),
    });
    expect(status).toBe(503);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ name: 'KeycardError', code: 'unavailable' });
    expect((errors[0] as Error).message).toBe('The oauth verifier is unavailable: JWKS down');
    const inner = ((errors[0] as Error).cause as Error).cause as Error;
    expect(inner.message).toBe('key set down while verifying [redacted]');
  });

  // Before: the thrown error reached onError as it was, the JWT in its message and cause (and in
  // the throttle's "1 more of: …" summary).
  it.each([
    [
      'throws',
      (t: string) =>
        (() => {
          throw new Error(`cannot parse ${t}`, { cause: new Error(`inner ${t}`) });
        })(),
    ],
    ['rejects', (t: string) => Promise.reject(new Error(`cannot parse ${t}`, { cause: new Error(`inner ${t}`) }))],
  ])('a verifier that %s with the token in its error is reported with the token masked', async (_name, verify) => {
    const { status, errors } = await reports(verify as (t: string) => Promise<ForeignVerification>);
    expect(status).toBe(503);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ name: 'KeycardError', code: 'unavailable' });
    const chain: string[] = [];
    for (let e: unknown = errors[0]; e instanceof Error; e = e.cause) chain.push(e.message);
    expect(chain).toEqual([
      'The oauth verifier is unavailable: cannot parse [redacted]',
      'cannot parse [redacted]',
      'inner [redacted]',
    ]);
  });

  it('reports nothing for an unavailable without an error (as before)', async () => {
    expect(await reports({ ok: false, code: 'unavailable' })).toEqual({ status: 503, errors: [] });
  });
});

// keycard.verify() asks the verifier in dual mode: a misbehaving one is `unavailable` there too,
// reported. Before: it rejected with a TypeError (null, undefined, an unprintable throw) or
// resolved an answer outside VerifyResult (`{ ok: false }`, `{ ok: false, code: 'nope' }`).
describe('keycard.verify() with a verifier that misbehaves', () => {
  const unprintable = Object.create(null) as object;
  it.each([
    ['answers null', async () => null],
    ['answers undefined', async () => undefined],
    ['answers a string', async () => 'ok'],
    ['answers an unknown code', async () => ({ ok: false, code: 'nope' })],
    ['answers an unprintable error', async () => ({ ok: false, code: 'unavailable', error: unprintable })],
    ['throws an unprintable value', async () => Promise.reject(unprintable)],
  ])(
    '%s ⇒ { ok: false, code: unavailable }, one KeycardError reported (authenticate: 503, the same)',
    async (_n, verify) => {
      const errors: unknown[] = [];
      const keycard = createKeycard({
        prefix: 'acme',
        scopes: defineScopes({ read: {} }),
        oauth: { kind: 'oauth', verify: verify as () => Promise<ForeignVerification> },
        onError: (e) => void errors.push(e),
      });
      const v = await keycard.verify('eyJ.e30.x').catch((e: unknown) => `rejected: ${String(e)}`);
      const r = await keycard.authenticate({
        method: 'GET',
        url: 'http://127.0.0.1/api',
        headers: { authorization: 'Bearer eyJ.e30.x' },
      });
      await keycard.close();
      expect(v).toEqual({ ok: false, code: 'unavailable' });
      expect(r.ok || r.skip ? 'passed' : [r.status, r.code]).toEqual([503, 'unavailable']);
      expect(errors.map((e) => [(e as Error).name, (e as { code?: string }).code])).toEqual([
        ['KeycardError', 'unavailable'],
        ['KeycardError', 'unavailable'],
      ]);
    },
  );
});
