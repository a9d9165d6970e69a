/**
 * The workspace rate limit (SPEC §5): the `workspaceRateLimit` answer is cached for at most
 * `ownerCacheMs`, so a workspace whose plan changes is charged under the new limit afterwards.
 */
import { describe, expect, it } from 'vitest';
import { createKeycard, memoryLimiter } from '../src/index.ts';
import { fakeClock } from '../src/testing/clock.ts';
import { toadoScopes } from './helpers.ts';

describe('workspaceRateLimit', () => {
  it('is asked again once ownerCacheMs has passed, and its new limit applies', async () => {
    const clock = fakeClock();
    let limit = 5;
    const asked: string[] = [];
    const kc = createKeycard({
      prefix: 'acme',
      scopes: toadoScopes(),
      clock,
      limiter: memoryLimiter({ clock }),
      ownerCacheMs: 1000,
      workspaceRateLimit: (ws) => {
        asked.push(ws);
        return { limit, window: 60 };
      },
      onWarning: () => {},
    });
    const { token } = await kc.issue({
      ownerId: 'u1',
      label: 'bot',
      kind: 'workspace',
      workspaceId: 'w1',
      scopes: ['read'],
    });
    const policy = async () => {
      const r = await kc.authenticate({ method: 'GET', url: '/x', headers: { authorization: `Bearer ${token}` } });
      if (!r.ok) throw new Error(`denied: ${JSON.stringify(r)}`);
      return r.headers['RateLimit-Policy'];
    };
    expect(await policy()).toBe('"default";q=5;w=60');
    limit = 7;
    clock.advance(999);
    expect(await policy()).toBe('"default";q=5;w=60');
    expect(asked).toEqual(['w1']);
    clock.advance(1);
    expect(await policy()).toBe('"default";q=7;w=60');
    expect(asked).toEqual(['w1', 'w1']);
    await kc.close();
  });
});
