/**
 * The key ring against a provider key endpoint that never answers, reached through a `fetch` that
 * ignores its abort signal — what a wrapper that adds an `Authorization` header and drops `init`
 * does (docs/leaks.md tells integrators to wrap it). Only the key endpoint is played here.
 */
import { describe, expect, it } from 'vitest';
import { providerKey } from '../../test/leaks-fixture.ts';
import { fakeClock } from '../testing/clock.ts';
import { KeyRing } from './keys.ts';

describe('KeyRing: a key endpoint that hangs', () => {
  it('gives up after timeoutMs even when fetch ignores the signal, and is not wedged afterwards', async () => {
    const clock = fakeClock();
    const key = await providerKey('k1');
    let hang = true;
    let calls = 0;
    const errors: unknown[] = [];
    const ring = new KeyRing({
      url: 'https://keys.example/secret_scanning',
      // Drops `init` (and with it the signal), as a wrapper adding a header might.
      fetch: (async () => {
        calls++;
        if (hang) return new Promise<Response>(() => {});
        return Response.json({ public_keys: [{ key_identifier: 'k1', key: key.pem, is_current: true }] });
      }) as typeof fetch,
      clock,
      timeoutMs: 50,
      onError: (e) => errors.push(e),
    });

    expect(await ring.get('k1')).toEqual({ keys: null, reason: 'keys_unavailable' });
    expect(calls).toBe(1);
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toMatch(/timed out/);

    // Within the minute: no new fetch, the same answer, at once.
    expect(await ring.get('k1')).toEqual({ keys: null, reason: 'keys_unavailable' });
    expect(calls).toBe(1);

    // After it, the endpoint is asked again and the key is found.
    hang = false;
    clock.advance(60_000);
    const found = await ring.get('k1');
    expect(found.keys).not.toBe(null);
    expect(calls).toBe(2);
  });
});

/**
 * A fetch that behaves as the platform's does with a redirect: it follows a 3xx unless `init`
 * asks for `redirect: 'manual'` (then it answers the 3xx itself) or `'error'` (then it rejects).
 * It counts every request that reached the redirect's target.
 */
function redirectingFetch(target: Response) {
  const seen = { location: 0 };
  const platformLike = (async (input: RequestInfo | URL, init?: RequestInit) => {
    if (String(input) === 'https://attacker.example/keys') {
      seen.location++;
      return target;
    }
    const mode = init?.redirect ?? 'follow';
    if (mode === 'error') throw new TypeError('fetch failed: redirect');
    if (mode === 'manual')
      return new Response(null, { status: 302, headers: { location: 'https://attacker.example/keys' } });
    return platformLike('https://attacker.example/keys', init);
  }) as typeof fetch;
  return { fetch: platformLike, seen };
}

describe('KeyRing: a key endpoint that redirects', () => {
  it('does not follow a 302 to another URL: the list is unavailable and the Location is never fetched', async () => {
    const key = await providerKey('k1');
    const { fetch, seen } = redirectingFetch(
      Response.json({ public_keys: [{ key_identifier: 'k1', key: key.pem, is_current: true }] }),
    );
    const errors: unknown[] = [];
    const ring = new KeyRing({
      url: 'https://keys.example/secret_scanning?token=x',
      fetch,
      clock: fakeClock(),
      onError: (e) => errors.push(e),
    });
    expect(await ring.get('k1')).toEqual({ keys: null, reason: 'keys_unavailable' });
    expect(seen.location).toBe(0);
    expect(String(errors[0])).toMatch(/redirect|302/);
    expect(String(errors[0])).not.toContain('token=x');
  });

  it('refuses an answer that a fetch wrapper reached by following a redirect on its own', async () => {
    const key = await providerKey('k1');
    const followed = Response.json({ public_keys: [{ key_identifier: 'k1', key: key.pem, is_current: true }] });
    Object.defineProperty(followed, 'redirected', { value: true });
    const errors: unknown[] = [];
    const ring = new KeyRing({
      url: 'https://keys.example/secret_scanning',
      fetch: (async () => followed) as typeof fetch, // drops `init`: follows whatever it was told
      clock: fakeClock(),
      onError: (e) => errors.push(e),
    });
    expect(await ring.get('k1')).toEqual({ keys: null, reason: 'keys_unavailable' });
    expect(String(errors[0])).toMatch(/redirect/);
  });
});
