/**
 * `GET /tokens` over an audit store that fails or never answers (SPEC §11, §14): the list still
 * answers 200 with every token (`lastUsedSurface: null`), the store is asked once for the page, not
 * once per token, and `onError` hears of it once per listing, even when each failure reads
 * differently (a message naming the token, so the per-second coalescing of one kind cannot merge
 * them). A store that answers fills every token's surface, as before.
 */
import { describe, expect, it } from 'vitest';
import { createKeycard, createManagementHandler, memoryAuditStore, type AuditStore } from '../../src/index.ts';
import { toadoScopes } from '../helpers.ts';

const TOKENS = 30;

/** A keycard with `TOKENS` used tokens of u_1, and a handler whose audit store's `usage` is `usage`. */
async function world(usage: (id: string) => Promise<never> | ReturnType<AuditStore['usage']>) {
  const audit = memoryAuditStore();
  const keycard = createKeycard({ prefix: 'acme', scopes: toadoScopes(), audit, storeTimeoutMs: 50 });
  const errors: unknown[] = [];
  let calls = 0;
  const store: AuditStore = {
    ...audit,
    query: (q) => audit.query(q),
    usage: (id, o) => {
      calls++;
      return usage(id).then(() => audit.usage(id, o));
    },
  };
  const handler = createManagementHandler(keycard, {
    authorize: () => ({ kind: 'user', id: 'u_1', scopes: ['read'] }),
    auditStore: store,
    onError: (e) => errors.push(e),
  });
  for (let i = 0; i < TOKENS; i++) {
    const { token } = await keycard.issue({ ownerId: 'u_1', label: `t${i}`, scopes: ['read'] });
    const r = await keycard.authenticate({
      method: 'GET',
      url: 'http://a/x',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(r.ok).toBe(true);
  }
  await keycard.flush();
  const list = async () => {
    calls = 0;
    const r = await handler(new Request('http://127.0.0.1/tokens?limit=100'));
    const body = (await r.json()) as { data: { lastUsedAt: string | null; lastUsedSurface: string | null }[] };
    return { status: r.status, body, calls };
  };
  return { keycard, list, errors };
}

describe('GET /tokens over a failing audit store', () => {
  const failures: [string, (id: string) => Promise<never>][] = [
    ['rejects, naming the token', (id) => Promise.reject(new Error(`usage failed for ${id}`))],
    ['rejects, the same error each time', () => Promise.reject(new Error('audit database down'))],
    ['never answers', () => new Promise<never>(() => {})],
  ];
  for (const [what, usage] of failures)
    it(`that ${what}: 200 with every token, one store call and one report per listing`, async () => {
      const { keycard, list, errors } = await world(usage);
      for (let round = 1; round <= 2; round++) {
        const { status, body, calls } = await list();
        expect(status).toBe(200);
        expect(body.data).toHaveLength(TOKENS);
        for (const t of body.data) expect([t.lastUsedAt === null, t.lastUsedSurface]).toEqual([false, null]);
        expect(calls).toBe(1);
      }
      await keycard.close(); // reports any count still held by the per-second coalescing
      expect(errors).toHaveLength(2);
    });

  it('that answers the first lookup, then fails for each token: one report, the rest null', async () => {
    let answered = 0;
    const { keycard, list, errors } = await world(async (id) => {
      if (answered++ > 0) throw new Error(`usage failed for ${id}`);
      return [];
    });
    const { status, body, calls } = await list();
    expect(status).toBe(200);
    expect(body.data.filter((t) => t.lastUsedSurface === 'http')).toHaveLength(1);
    expect(calls).toBe(TOKENS);
    await keycard.close();
    expect(errors).toHaveLength(1);
  });

  it('a store that answers fills every token’s surface', async () => {
    const { keycard, list, errors } = await world(async () => []);
    const { status, body, calls } = await list();
    expect(status).toBe(200);
    expect(body.data.map((t) => t.lastUsedSurface)).toEqual(Array(TOKENS).fill('http'));
    expect(calls).toBe(TOKENS);
    await keycard.close();
    expect(errors).toEqual([]);
  });
});
