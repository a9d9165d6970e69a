/**
 * A program's `restrictions` parameter (SPEC §13) naming one resource type twice: `JSON.parse`
 * keeps the last silently, so `{"company":["c1"],"company":["c2"]}` was a login for c2 while a
 * proxy, a log or the program's own reading of what it sent says c1. The device routes refuse a
 * form parameter sent twice (RFC 6749 §3.1) and the management API a JSON member named twice;
 * the restrictions inside `POST /device/code` are refused alike, naming the type, and nothing is
 * stored. Through real Express and Hono servers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeycard, createManagementHandler, defineScopes, memoryAuditSink } from '../src/index.ts';
import { memoryPendingGrantStore } from '../src/device/index.ts';
import { listenAll } from './manage/servers.ts';

const store = memoryPendingGrantStore();
const audit = memoryAuditSink();
const keycard = createKeycard({
  prefix: 'toado',
  scopes: defineScopes({ read: { description: 'Read' } }),
  resources: ['company', 'project'],
  audit: [audit],
});
const handler = createManagementHandler(keycard, { basePath: '/api/tokens', authorize: () => null, device: { store } });
let served: Awaited<ReturnType<typeof listenAll>>;
beforeAll(async () => {
  served = await listenAll(handler);
});
afterAll(() => served.close());

const start = (origin: string, restrictions: string) =>
  fetch(`${origin}/api/tokens/device/code`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: 'toado-cli', scope: 'read', restrictions }).toString(),
  });

describe('POST /device/code: restrictions naming a member twice are refused, not read as the last', () => {
  const cases: [string, string, string][] = [
    ['a type twice', '{"company":["c1"],"company":["c2"]}', 'company'],
    ['a type twice, the second escaped', '{"company":["c1"],"\\u0063ompany":["c2"]}', 'company'],
    ['two types twice', '{"project":["p1"],"company":["c1"],"project":["p2"],"company":["c2"]}', 'project, company'],
  ];
  for (const [what, restrictions, named] of cases)
    it(`${what}: 400 invalid_request naming ${named}; no grant, no event`, async () => {
      for (const origin of served.origins) {
        const r = await start(origin, restrictions);
        expect([r.status, await r.json()]).toEqual([
          400,
          { error: 'invalid_request', error_description: `restrictions name ${named} more than once` },
        ]);
      }
      expect(await store.prune(Number.MAX_SAFE_INTEGER)).toBe(0);
      expect(audit.events.filter((e) => e.type === 'device.requested')).toEqual([]);
    });

  it('a type named twice is named as other refusals name it: no token in the clear, a bounded description', async () => {
    const token = `toado_sk_${'aB3'.repeat(13)}`;
    const long = 'x'.repeat(5000);
    for (const origin of served.origins) {
      for (const restrictions of [`{"${token}":["c1"],"${token}":["c2"]}`, `{"${long}":["c1"],"${long}":["c2"]}`]) {
        const r = await start(origin, restrictions);
        const text = await r.text();
        expect(r.status).toBe(400);
        const { error_description } = JSON.parse(text) as { error_description: string };
        expect([text.includes(token), text.includes('aB3'.repeat(13))]).toEqual([false, false]);
        expect(error_description).toMatch(/^restrictions name .+ more than once$/);
        expect(error_description.length).toBeLessThanOrEqual(300);
      }
    }
    expect(await store.prune(Number.MAX_SAFE_INTEGER)).toBe(0);
  });

  it('the same restrictions, each type once, start a login as before', async () => {
    const r = await start(served.origins[0]!, '{"company":["c1","c2"],"project":["p1"]}');
    expect(r.status).toBe(200);
    const { user_code } = (await r.json()) as { user_code: string };
    expect((await store.getByUserCode(user_code.replace('-', '')))?.restrictions).toEqual({
      company: ['c1', 'c2'],
      project: ['p1'],
    });
  });
});
