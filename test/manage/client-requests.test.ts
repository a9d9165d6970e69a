/**
 * What keycard/client sends, seen by a real node:http server on 127.0.0.1: each call's request
 * line, an id with `/`, `?`, `#` or `%` as one path segment (never another route, a query or a
 * fragment), the bearer token only in the Authorization header (never in a URL), the session
 * cookie only same-origin unless `credentials` says otherwise, and a 409 `count_changed` from
 * Revoke all as a rejection carrying its code and counts (never a resolved "done"). Each test
 * kills a mutant of src/client/ that the other client suites let live (docs/testing.md).
 */
import { describe, expect, it } from 'vitest';
import { createManagementClient, ManagementError } from '../../src/client/index.ts';
import { serve } from './real-servers.ts';

const TOKEN = 'toado_sk_1Req5ecretBodyOfTheToken0000000000';

/** A server recording each request line, Authorization header and body; answers `answer`. */
async function recording(answer: { status: number; body: unknown } = { status: 200, body: { ok: true } }) {
  const heard: { line: string; authorization: string | undefined; body: string }[] = [];
  const origin = await serve((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      heard.push({ line: `${req.method} ${req.url}`, authorization: req.headers.authorization, body });
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  return { origin, heard };
}

describe('keycard/client: what each call sends', () => {
  it('an id holding / ? # % or an inner .. is one encoded path segment: no other route, query or fragment', async () => {
    const { origin, heard } = await recording();
    const api = createManagementClient({ baseUrl: `${origin}/api/tokens` });
    const ids = ['tok_1/revoke', 'tok_1?status=all', 'tok_1#x', '../tokens/revoke-all', '100%'];
    for (const id of ids) {
      await api.get(id);
      await api.revoke(id);
      await api.activity(id, { limit: '5' });
    }
    expect(heard.map((h) => h.line)).toEqual(
      ids.flatMap((id) => {
        const at = `/api/tokens/tokens/${encodeURIComponent(id)}`;
        return [`GET ${at}`, `POST ${at}/revoke`, `GET ${at}/activity?limit=5`];
      }),
    );
  });

  it('the bearer token goes in the Authorization header of every call, never in a URL or a body', async () => {
    const { origin, heard } = await recording();
    const api = createManagementClient({
      baseUrl: `${origin}/api/tokens`,
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    await api.list({ status: 'all' });
    await api.create({ label: 'CI', scopes: ['read'] });
    await api.get('tok_1');
    await api.update('tok_1', { label: 'CI 2' });
    await api.revoke('tok_1', { reason: 'done' });
    await api.rotate('tok_1', { graceMs: 0 });
    await api.revokeAll({ target: { ownerId: 'u_1' }, reason: 'leak', expectCount: 2 });
    await api.scopes();
    await api.activity('tok_1');
    expect(heard).toHaveLength(9);
    for (const h of heard) {
      expect(h.authorization).toBe(`Bearer ${TOKEN}`);
      expect(h.line).not.toContain(TOKEN.slice(10));
      expect(h.body).not.toContain(TOKEN.slice(10));
    }
  });

  it("credentials is 'same-origin' unless given (the session cookie never rides to another origin by default)", async () => {
    const { origin } = await recording();
    const seen: (RequestCredentials | undefined)[] = [];
    // A fetch that records what the client asked for, then sends the request for real.
    const fetch = (input: string, init: RequestInit) => (seen.push(init.credentials), globalThis.fetch(input, init));
    await createManagementClient({ baseUrl: `${origin}/api/tokens`, fetch }).list();
    await createManagementClient({ baseUrl: `${origin}/api/tokens`, fetch, credentials: 'include' }).list();
    await createManagementClient({ baseUrl: `${origin}/api/tokens`, fetch, credentials: 'omit' }).list();
    expect(seen).toEqual(['same-origin', 'include', 'omit']);
  });

  it('a 409 count_changed from revokeAll rejects with its code, status and counts; it never resolves', async () => {
    const problem = {
      type: 'about:blank',
      title: 'Conflict',
      status: 409,
      detail: 'The number of tokens changed: expected 2, found 3',
      code: 'count_changed',
      expected: 2,
      actual: 3,
    };
    const { origin, heard } = await recording({ status: 409, body: problem });
    const api = createManagementClient({ baseUrl: `${origin}/api/tokens` });
    const outcome = await api.revokeAll({ target: { ownerId: 'u_1' }, reason: 'leak', expectCount: 2 }).then(
      (value) => ({ resolved: value }),
      (e: unknown) => e,
    );
    expect(outcome).toBeInstanceOf(ManagementError);
    expect(outcome).toMatchObject({ code: 'count_changed', status: 409, message: problem.detail, errors: [] });
    expect((outcome as ManagementError).problem).toMatchObject({ expected: 2, actual: 3 });
    expect(heard.map((h) => [h.line, JSON.parse(h.body)])).toEqual([
      ['POST /api/tokens/tokens/revoke-all', { target: { ownerId: 'u_1' }, reason: 'leak', expectCount: 2 }],
    ]);
  });
});
