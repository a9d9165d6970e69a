/**
 * docs/scopes.md, claims no other test held (a docs truth audit): the 403 the page quotes for its
 * own requirement, byte for byte, over real Express on 127.0.0.1; the owner bound over HTTP (owner
 * gone: 401 `token_revoked`; resolver throws or times out: 503 `unavailable`); resolver answers
 * cached for `ownerCacheMs`, 1000 ms by default; a workspace token asks the resolver about its
 * workspace as `kind: 'workspace'`, never about its creator; `invalidateOwner` drops the answer here
 * at once and rejects when the store cannot announce it; and the unknown-scope warning quotes the
 * name escaped and cut at 128 characters.
 */
import express from 'express';
import { describe, expect, it } from 'vitest';
import {
  allOf,
  anyOf,
  createKeycard,
  defineScopes,
  memoryTokenStore,
  type OwnerResolver,
  type OwnerStatus,
  type TokenStore,
} from '../src/index.ts';
import { expressGuard } from '../src/adapters/express.ts';
import { fakeClock } from '../src/testing/index.ts';
import { listen } from './seeds-fixture.ts';

const catalogue = () =>
  defineScopes({
    read: {},
    comments: { implies: ['read'] },
    'tickets:write': { implies: ['comments'] },
    'tickets:assign': { implies: ['read'] },
  });

async function serve(keycard: ReturnType<typeof createKeycard<string>>, need?: object) {
  const app = express();
  app.get('/x', expressGuard(keycard)(need as never), (_req, res) => void res.json({ ran: true }));
  return listen(app);
}

describe('docs/scopes.md "Requirements": the 403 answer', () => {
  it('carries `Token missing scope: comments` and the quoted challenge, for the page’s own requirement', async () => {
    const keycard = createKeycard({ prefix: 'acme', scopes: catalogue() });
    const { token } = await keycard.issue({ ownerId: 'u1', label: 'reader', scopes: ['read'] });
    const { base, close } = await serve(keycard, {
      scope: anyOf(allOf('tickets:write', 'tickets:assign'), 'comments'),
    });
    try {
      const res = await fetch(`${base}/x`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(403);
      expect(res.headers.get('www-authenticate')).toBe(
        'Bearer realm="api", error="insufficient_scope", scope="comments"',
      );
      expect(await res.json()).toMatchObject({ detail: 'Token missing scope: comments', code: 'insufficient_scope' });
    } finally {
      await close();
      await keycard.close();
    }
  });
});

describe('docs/scopes.md "The owner bound"', () => {
  it('over HTTP: owner gone or disabled ⇒ 401 token_revoked; a resolver that throws or times out ⇒ 503 unavailable', async () => {
    let answer: () => OwnerStatus | Promise<OwnerStatus> = () => ({ status: 'active' });
    const errors: unknown[] = [];
    const keycard = createKeycard({
      prefix: 'acme',
      scopes: catalogue(),
      resolveOwner: () => answer(),
      ownerCacheMs: 0,
      storeTimeoutMs: 50,
      onError: (e) => errors.push(e),
    });
    const { token } = await keycard.issue({ ownerId: 'u1', label: 'bot', scopes: ['read'] });
    const { base, close } = await serve(keycard, { scope: 'read' });
    const get = async () => {
      const res = await fetch(`${base}/x`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(2_000),
      });
      return [res.status, ((await res.json()) as { code?: string }).code ?? 'ran'];
    };
    try {
      expect(await get()).toEqual([200, 'ran']);
      answer = () => ({ status: 'gone' });
      expect(await get()).toEqual([401, 'token_revoked']);
      answer = () => ({ status: 'disabled' });
      expect(await get()).toEqual([401, 'token_revoked']);
      answer = () => {
        throw new Error('directory down');
      };
      expect(await get()).toEqual([503, 'unavailable']);
      answer = () => new Promise<OwnerStatus>(() => {}); // never answers
      expect(await get()).toEqual([503, 'unavailable']);
      expect(errors.length).toBeGreaterThan(0);
    } finally {
      await close();
      await keycard.close();
    }
  });

  it('answers are cached for ownerCacheMs, 1000 ms by default', async () => {
    const clock = fakeClock();
    let asked = 0;
    const keycard = createKeycard({
      prefix: 'acme',
      scopes: catalogue(),
      clock,
      resolveOwner: () => (asked++, { status: 'active' }),
    });
    const { token } = await keycard.issue({ ownerId: 'u1', label: 'bot', scopes: ['read'] });
    expect((await keycard.verify(token)).ok).toBe(true);
    expect(asked).toBe(1);
    clock.advance(999);
    await keycard.verify(token);
    expect(asked).toBe(1);
    clock.advance(1);
    await keycard.verify(token);
    expect(asked).toBe(2);
    await keycard.close();
  });

  it('a workspace token asks about its workspace (principalId === workspaceId, kind workspace), never its creator', async () => {
    const asked: Parameters<OwnerResolver>[] = [];
    const keycard = createKeycard({
      prefix: 'acme',
      scopes: catalogue(),
      resolveOwner: (...args) => (asked.push(args), args[0] === 'u1' ? { status: 'gone' } : { status: 'active' }),
    });
    const { token } = await keycard.issue({
      ownerId: 'u1',
      label: 'ci',
      kind: 'workspace',
      workspaceId: 'w1',
      scopes: ['read'],
    });
    expect((await keycard.verify(token)).ok).toBe(true); // its creator u1 is gone: it survives
    expect(asked).toEqual([['w1', 'w1', 'workspace']]);
    await keycard.close();
  });

  it('invalidateOwner drops the answer here at once, and rejects when the store cannot announce it', async () => {
    let status: OwnerStatus = { status: 'active' };
    const inner = memoryTokenStore();
    const store: TokenStore = Object.assign(Object.create(inner) as TokenStore, {
      announceOwner: () => Promise.reject(new Error('ECONNREFUSED')),
    });
    const keycard = createKeycard({
      prefix: 'acme',
      scopes: catalogue(),
      store,
      resolveOwner: () => status,
      ownerCacheMs: 3_600_000,
      onError: () => {},
    });
    const { token } = await keycard.issue({ ownerId: 'u1', label: 'bot', scopes: ['read'] });
    expect((await keycard.verify(token)).ok).toBe(true);
    status = { status: 'disabled' };
    expect((await keycard.verify(token)).ok).toBe(true); // cached for an hour
    await expect(keycard.invalidateOwner('u1')).rejects.toThrow();
    expect(await keycard.verify(token)).toEqual({ ok: false, code: 'token_revoked' });
    await keycard.close();
  });
});

describe('docs/scopes.md "Closure, computed at check time"', () => {
  it('an undeclared granted scope is ignored with one warning per name, quoted with control characters escaped, cut at 128', () => {
    const warnings: string[] = [];
    const scopes = defineScopes({ read: {} }, { onWarning: (m) => warnings.push(m) });
    const name = `a\u0007b${'x'.repeat(300)}`;
    expect([...scopes.closure(['read', name, name])]).toEqual(['read']);
    expect(warnings).toEqual([
      `keycard: ignoring granted scope ${JSON.stringify(`${name.slice(0, 128)}…`)}, which the scope catalogue no longer declares`,
    ]);
    expect(warnings[0]).toContain('"a\\u0007b');
  });

  it('a deploy that adds an implication widens an existing token at its next check', async () => {
    const store = memoryTokenStore();
    const before = createKeycard({ prefix: 'acme', scopes: catalogue(), store });
    const { token } = await before.issue({ ownerId: 'u1', label: 'bot', scopes: ['comments'] });
    const v = await before.verify(token);
    expect(v.ok && v.identity.has('tickets:assign')).toBe(false);
    const widened = defineScopes({
      read: {},
      comments: { implies: ['read', 'tickets:assign'] },
      'tickets:write': { implies: ['comments'] },
      'tickets:assign': { implies: ['read'] },
    });
    const after = createKeycard({ prefix: 'acme', scopes: widened, store });
    const w = await after.verify(token);
    expect(w.ok && w.identity.has('tickets:assign')).toBe(true);
    await before.close();
    await after.close();
  });
});
