/**
 * Boundaries of the validity checks of verification (SPEC §2, §5) that a mutation campaign found
 * untested: a revocation recorded at time 0 of an app clock is still a revocation.
 */
import { describe, expect, it } from 'vitest';
import { createKeycard } from '../src/index.ts';
import { fakeClock } from '../src/testing/clock.ts';
import { toadoScopes } from './helpers.ts';

describe('revokedAt', () => {
  it('is a revocation whatever its value, 0 (an app clock at the epoch) included', async () => {
    const clock = fakeClock(0);
    const kc = createKeycard({ prefix: 'acme', scopes: toadoScopes(), clock, onWarning: () => {} });
    const { token, record } = await kc.issue({ ownerId: 'u1', label: 'x', scopes: ['read'] });
    expect((await kc.verify(token)).ok).toBe(true);
    expect((await kc.revoke(record.id)).revokedAt).toBe(0);
    expect(await kc.verify(token)).toEqual({ ok: false, code: 'token_revoked' });
    await kc.close();
  });
});
