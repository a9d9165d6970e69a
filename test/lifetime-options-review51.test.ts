/**
 * The last expiry (9999-12-31T23:59:59.999Z, test/lifetime-bounds.test.ts) on the paths that take
 * a lifetime from an option rather than a call: `createKeycard({ defaultExpiresIn })`, applied to
 * every `issue()` that names no expiry, and the device routes' `defaultTokenLifetime`, applied to
 * every approval of a program that asked for none. Both took any positive integer of milliseconds:
 * `defaultExpiresIn: 8e15` issued tokens expiring in year 255535 (an answer printing `+255535-…`),
 * and `defaultTokenLifetime: 8e15` let a person approve a login whose token could then not be
 * issued (issueFor in src/device/token-endpoint.ts hands `issue()` the approved expiry, which it
 * refuses, and the poll answers `access_denied`). Now both are bounded at construction as the device
 * routes' `token_lifetime` and the CLI's `tokenLifetime` are: at most 9,999,999,999 seconds
 * (9_999_999_999_000 ms, about 317 years), refused otherwise with `invalid_config` naming the option.
 */
import { describe, expect, it } from 'vitest';
import { createKeycard, defineScopes, isKeycardError } from '../src/index.ts';
import { createDeviceRoutes, memoryPendingGrantStore } from '../src/device/index.ts';
import { fakeClock } from '../src/testing/index.ts';

const scopes = defineScopes({ read: {} }, { defaults: ['read'] });
const MOST = 9_999_999_999_000;

function configError(make: () => unknown): string {
  try {
    make();
    return 'accepted';
  } catch (e) {
    if (!isKeycardError(e)) throw e;
    return `${e.code}: ${e.message}`;
  }
}

describe('lifetimes set by an option: at most 9,999,999,999 seconds, refused past it at construction', () => {
  it('createKeycard refuses a defaultExpiresIn past it, naming defaultExpiresIn; at the bound, issue() ends before year 9999', async () => {
    for (const defaultExpiresIn of [MOST + 1, 8e15, 8.64e15])
      expect(configError(() => createKeycard({ prefix: 'acme', scopes, defaultExpiresIn }))).toMatch(
        /^invalid_config: .*defaultExpiresIn/,
      );
    const clock = fakeClock(Date.UTC(2026, 0, 1));
    const kc = createKeycard({ prefix: 'acme', scopes, clock, defaultExpiresIn: MOST });
    const { record } = await kc.issue({ ownerId: 'u1', label: 'a' });
    expect(record.expiresAt).toBe(clock.now() + MOST);
    expect(new Date(record.expiresAt!).toISOString()).toBe('2342-11-21T17:46:39.000Z');
    await kc.close();
  });

  it('createDeviceRoutes refuses a defaultTokenLifetime past it, naming defaultTokenLifetime', async () => {
    const keycard = createKeycard({ prefix: 'acme', scopes });
    const routes = (defaultTokenLifetime: number) => () =>
      createDeviceRoutes(keycard, {
        basePath: '/api/tokens',
        authorize: () => null,
        store: memoryPendingGrantStore(),
        defaultTokenLifetime,
      });
    for (const lifetime of [MOST + 1, 8e15, 8.64e15])
      expect(configError(routes(lifetime))).toMatch(/^invalid_config: .*defaultTokenLifetime/);
    expect(configError(routes(MOST))).toBe('accepted');
    await keycard.close();
  });
});
