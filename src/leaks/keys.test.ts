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

    expect(await ring.get('k1')).toEqual({ key: null, reason: 'keys_unavailable' });
    expect(calls).toBe(1);
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toMatch(/timed out/);

    // Within the minute: no new fetch, the same answer, at once.
    expect(await ring.get('k1')).toEqual({ key: null, reason: 'keys_unavailable' });
    expect(calls).toBe(1);

    // After it, the endpoint is asked again and the key is found.
    hang = false;
    clock.advance(60_000);
    const found = await ring.get('k1');
    expect(found.key).not.toBe(null);
    expect(calls).toBe(2);
  });
});
