/**
 * docs/rate-limits.md, checked against what keycard charges (a docs truth audit): every method but
 * GET, HEAD and OPTIONS is a write, an unknown one included. The page said an unknown method was
 * charged "to the stricter budget"; it is charged to the write budget even where writes have the
 * larger one (SPEC §6: `write` is "the rest"). And a person sets a token's limit only within the
 * one that would apply without it: the workspace's, not the default, for a workspace token.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createKeycard } from '../src/index.ts';
import { toadoScopes } from './helpers.ts';

const page = readFileSync(new URL('../docs/rate-limits.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');

describe('docs/rate-limits.md "Configuration": what a method is charged to', () => {
  it('an unknown method is charged to the write budget, also when it is the looser one, as the page says', async () => {
    const keycard = createKeycard({
      prefix: 'acme',
      scopes: toadoScopes(),
      rateLimit: { read: { limit: 5, window: 60 }, write: { limit: 500, window: 60 } },
    });
    const { token } = await keycard.issue({ ownerId: 'u1', label: 'agent', scopes: ['read'] });
    const policy = async (method: string) => {
      const r = await keycard.authenticate({ method, url: '/tickets', headers: { authorization: `Bearer ${token}` } });
      return r.ok ? r.headers['RateLimit-Policy'] : r.skip ? 'skip' : `${r.status}`;
    };
    const charged: Record<string, string | undefined> = {};
    for (const m of ['GET', 'HEAD', 'OPTIONS', 'POST', 'PROPFIND', 'BREW', 'get']) charged[m] = await policy(m);
    const [read, write] = ['"read";q=5;w=60', '"write";q=500;w=60'];
    expect(charged).toEqual({
      GET: read,
      HEAD: read,
      OPTIONS: read,
      POST: write,
      PROPFIND: write,
      BREW: write,
      get: write,
    });
    expect(page).toContain('an unknown method too: it is charged to the write budget');
    expect(page).not.toContain('stricter budget');
    await keycard.close();
  });
});

describe('docs/rate-limits.md "Where a limit comes from": a person sets a limit only within the one that would apply', () => {
  it("within the workspace's limit, not the default: under a small plan the default is too much, under a large one more is fine", async () => {
    const plans = new Map([
      ['w_small', { limit: 10, window: 60 }],
      ['w_large', { limit: 6000, window: 60 }],
    ]);
    const keycard = createKeycard({
      prefix: 'acme',
      scopes: toadoScopes(),
      workspaceRateLimit: (id) => plans.get(id) ?? null,
    });
    const actor = { kind: 'user', id: 'alice', scopes: ['read'] } as const;
    const issue = (workspaceId: string, rateLimit: { limit: number; window: number }) =>
      keycard
        .issue({ kind: 'workspace', workspaceId, ownerId: 'alice', label: 'ci', scopes: ['read'], rateLimit, actor })
        .then(
          () => 'issued',
          (e: { code?: string }) => e.code,
        );
    expect(await issue('w_small', { limit: 60, window: 60 })).toBe('scope_escalation'); // the default, above the plan
    expect(await issue('w_small', { limit: 10, window: 30 })).toBe('scope_escalation'); // a faster rate
    expect(await issue('w_small', { limit: 5, window: 60 })).toBe('issued');
    expect(await issue('w_large', { limit: 1000, window: 60 })).toBe('issued'); // above the default, within the plan
    expect(await issue('w_large', { limit: 6001, window: 60 })).toBe('scope_escalation');
    expect((await keycard.list({ workspaceId: 'w_small', status: 'all' })).records).toHaveLength(1); // nothing else written
    await keycard.close();
  });
});
