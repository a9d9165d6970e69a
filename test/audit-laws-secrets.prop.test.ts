/**
 * No secret and no hash in any stored audit event (SPEC §7, §14), as a fast-check property on
 * every audit store backend (memory, PGlite, a Postgres server with DATABASE_URL): whatever a
 * caller puts a token into (a label, a revoke reason, a request path or query, X-Request-Id, an
 * update), neither the token nor its stored hash (as stored, hex, base64 or base64url) appears in
 * the store's NDJSON or CSV export.
 */
import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeycard, memoryTokenStore } from '../src/index.ts';
import { toadoScopes } from './helpers.ts';
import { auditBackends } from './audit-laws-backends.ts';

const { backends, warm, closeAll } = auditBackends();
beforeAll(warm, 120_000);
afterAll(closeAll);
const RUNS = Number(process.env['KEYCARD_AUDIT_LAW_RUNS'] ?? 40);

/** Where a token is put: each op takes the secret of an earlier token (by index). */
const op = fc.oneof(
  fc.record({ kind: fc.constant('issue' as const), into: fc.nat(), wrap: fc.constantFrom('', ' ', '%20', '"', ',') }),
  fc.record({
    kind: fc.constant('auth' as const),
    into: fc.nat(),
    where: fc.constantFrom('path', 'query', 'requestId', 'encoded'),
  }),
  fc.record({ kind: fc.constant('update' as const), into: fc.nat() }),
  fc.record({ kind: fc.constant('revoke' as const), into: fc.nat() }),
);
const forms = (hash: string): string[] => {
  const out = [hash];
  if (/^[0-9a-f]{64}$/i.test(hash)) {
    const bytes = Buffer.from(hash, 'hex');
    out.push(bytes.toString('base64'), bytes.toString('base64url'), hash.toUpperCase());
  }
  return out;
};

describe.each(backends)('no secret or hash in the %s audit store', (_name, open) => {
  it('whatever a caller puts a token into, neither it nor its hash is stored', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 8 }), async (ops) => {
        const audit = await open({ requests: 'all', now: Date.now });
        const store = memoryTokenStore();
        const ws = `ws_${Math.random().toString(36).slice(2)}`;
        const kc = createKeycard({ prefix: 'acme', scopes: toadoScopes(), store, audit, onError: () => {} });
        const first = await kc.issue({ ownerId: 'u1', kind: 'workspace', workspaceId: ws, label: 'first' });
        const tokens = [first];
        for (const o of ops) {
          const t = tokens[o.into % tokens.length]!;
          if (o.kind === 'issue')
            tokens.push(
              await kc.issue({
                ownerId: 'u1',
                kind: 'workspace',
                workspaceId: ws,
                label: `${o.wrap}${t.token}${o.wrap}`.slice(0, 200),
              }),
            );
          else if (o.kind === 'update') await kc.update(t.record.id, { label: `now ${t.token}` }).catch(() => {});
          else if (o.kind === 'revoke') await kc.revoke(t.record.id, { reason: `leaked: ${t.token}` }).catch(() => {});
          else {
            const url = {
              path: `/v1/${t.token}`,
              query: `/v1/x?token=${t.token}`,
              requestId: '/v1/x',
              encoded: `/v1/${encodeURIComponent(`a ${t.token}`)}`,
            }[o.where];
            const headers: Record<string, string> = { authorization: `Bearer ${t.token}` };
            if (o.where === 'requestId') headers['x-request-id'] = t.token;
            await kc.authenticate({ method: 'GET', url, headers });
          }
        }
        await kc.close();
        await audit.flush();
        const text =
          (await new Response(audit.export({ workspaceId: ws }, 'ndjson')).text()) +
          (await new Response(audit.export({ workspaceId: ws }, 'csv')).text());
        expect(text.length).toBeGreaterThan(0);
        for (const t of tokens) {
          expect(text.includes(t.token)).toBe(false);
          for (const f of forms((await store.get(t.record.id))!.hash)) expect(text.includes(f), f).toBe(false);
        }
        await audit.close();
      }),
      { numRuns: RUNS },
    );
  });
});
