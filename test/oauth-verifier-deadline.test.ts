/**
 * A custom `oauth` verifier (SPEC §16) whose `verify` never settles must not hold the request for
 * ever: every other hook keycard calls on a request is bounded. Past FOREIGN_VERIFY_MS (longer
 * than jwtAccessTokens' own worst case: a 60 s JWKS deadline plus its 5 s owner hook) the request
 * is 503 `unavailable`, reported once through `onError`; a slow answer inside the bound still
 * counts. Fake timers: nothing here waits on the wall clock.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createKeycard, defineScopes, type ForeignVerification } from '../src/index.ts';
import { FOREIGN_VERIFY_MS } from '../src/core/foreign.ts';
import { jwtAccessTokens } from '../src/oauth/index.ts';

const ANSWER: ForeignVerification = {
  ok: true,
  tokenId: 'oauth:u_1:c',
  subject: 'u_1',
  clientId: 'c',
  scopes: ['read'],
  expiresAt: Date.now() + 3_600_000,
  issuedAt: Date.now(),
  ownerId: 'u_1',
  workspaceId: null,
  label: 'c (OAuth)',
};

afterEach(() => void vi.useRealTimers());

function keycardWith(verify: () => Promise<ForeignVerification>) {
  const errors: unknown[] = [];
  const keycard = createKeycard({
    prefix: 'acme',
    scopes: defineScopes({ read: {} }),
    oauth: { kind: 'oauth', verify },
    onError: (e) => void errors.push(e),
  });
  const request = { method: 'GET', url: 'http://127.0.0.1/api', headers: { authorization: 'Bearer eyJ.e30.x' } };
  return { keycard, errors, authenticate: () => keycard.authenticate(request, { scope: 'read' }) };
}

describe('a custom oauth verifier that never answers', () => {
  it('is 503 unavailable after the bound, reported, and verify() says unavailable too', async () => {
    vi.useFakeTimers();
    const { keycard, errors, authenticate } = keycardWith(() => new Promise(() => {}));
    let settled: unknown = 'pending';
    const answer = authenticate().then((r) => (settled = r));
    const verified = keycard.verify('eyJ.e30.x');
    await vi.advanceTimersByTimeAsync(FOREIGN_VERIFY_MS - 1);
    expect(settled).toBe('pending'); // not before the bound
    await vi.advanceTimersByTimeAsync(1);
    await answer;
    expect(settled).toMatchObject({ ok: false, status: 503, code: 'unavailable' });
    expect(await verified).toMatchObject({ ok: false, code: 'unavailable' });
    expect(errors.length).toBeGreaterThan(0); // the two calls may share one verification
    for (const e of errors) {
      expect(String((e as Error).message)).toContain(`timed out after ${FOREIGN_VERIFY_MS} ms`);
      expect(String((e as Error).message)).not.toContain('eyJ.e30.x');
    }
    await keycard.close();
  });

  it('an answer just inside the bound is used', async () => {
    vi.useFakeTimers();
    const { keycard, errors, authenticate } = keycardWith(
      () => new Promise((resolve) => setTimeout(() => resolve(ANSWER), FOREIGN_VERIFY_MS - 10)),
    );
    const answer = authenticate();
    await vi.advanceTimersByTimeAsync(FOREIGN_VERIFY_MS - 10);
    expect(await answer).toMatchObject({ ok: true });
    expect(errors).toEqual([]);
    await keycard.close();
  });

  it('the bound is above jwtAccessTokens own worst case (60 s JWKS deadline + 5 s owner hook)', () => {
    // The largest jwksTimeoutMs jwtAccessTokens takes, so raising it fails here until the bound follows;
    // the owner hook's 5 s is pinned by its message in test/oauth-edges.test.ts.
    const options = { issuer: 'https://auth.test', audience: 'https://api.test', jwksUrl: 'https://auth.test/jwks' };
    const largest = 60_000;
    expect(() => jwtAccessTokens({ ...options, jwksTimeoutMs: largest })).not.toThrow();
    expect(() => jwtAccessTokens({ ...options, jwksTimeoutMs: largest + 1 })).toThrow(
      expect.objectContaining({ code: 'invalid_config' }),
    );
    expect(FOREIGN_VERIFY_MS).toBeGreaterThan(largest + 5_000);
  });
});
