/**
 * A per-token rate limit (SPEC §5, the record's `rateLimit`) through the management API: set on
 * `POST /tokens`, changed and cleared by `PATCH /tokens/:id`, shown on every view, and enforced
 * by a real `authenticate()` (429 past the limit, the policy in the draft-10 headers). A bad
 * value is a 400 naming the field, and nothing is written.
 */
import { describe, expect, it } from 'vitest';
import { setup } from './fixture.ts';

type View = { id: string; rateLimit: unknown };

/** Calls the API as `token` `n` times with `method`; returns the statuses and the last policy header. */
async function callAs(w: ReturnType<typeof setup>, token: string, n: number, method = 'GET') {
  const statuses: number[] = [];
  let policy: string | undefined;
  for (let i = 0; i < n; i++) {
    const r = await w.keycard.authenticate({
      method,
      url: 'http://app.test/api/tickets',
      headers: { authorization: `Bearer ${token}` },
    });
    if (!('headers' in r)) throw new Error('expected an answer with headers');
    statuses.push(r.ok ? 200 : r.status);
    policy = r.headers['RateLimit-Policy'];
  }
  return { statuses, policy };
}

const fieldsOf = async (res: Response) => {
  const j = (await res.json()) as { code: string; errors?: { field: string; message: string }[] };
  return { code: j.code, fields: (j.errors ?? []).map((e) => e.field).sort(), errors: j.errors ?? [] };
};

describe('rateLimit through the management API', () => {
  it('POST /tokens with { limit, window }: the view shows it and a real authenticate answers 429 past it', async () => {
    const w = setup();
    const created = await w.create({ label: 'slow agent', scopes: ['read'], rateLimit: { limit: 2, window: 60 } });
    expect(created.record.rateLimit).toEqual({ limit: 2, window: 60 });
    const { statuses, policy } = await callAs(w, created.token, 3);
    expect(statuses).toEqual([200, 200, 429]);
    expect(policy).toBe('"default";q=2;w=60');
    // A token created without one keeps the default (60 per 60 s).
    const plain = await w.create({ label: 'plain', scopes: ['read'] });
    expect(plain.record.rateLimit).toBeNull();
    expect((await callAs(w, plain.token, 3)).statuses).toEqual([200, 200, 200]);
    // GET and the list show it too.
    const one = (await (await w.call('GET', `/tokens/${created.record.id}`)).json()) as View;
    expect(one.rateLimit).toEqual({ limit: 2, window: 60 });
    const list = (await (await w.call('GET', '/tokens')).json()) as { data: View[] };
    expect(list.data.find((t) => t.id === created.record.id)!.rateLimit).toEqual({ limit: 2, window: 60 });
  });

  it('POST /tokens with a split { read, write } limit charges reads and writes apart', async () => {
    const w = setup();
    const split = { read: { limit: 1, window: 60 }, write: { limit: 3, window: 60, name: 'writes' } };
    const created = await w.create({ label: 'split', scopes: ['read'], rateLimit: split });
    expect(created.record.rateLimit).toEqual(split);
    expect((await callAs(w, created.token, 2, 'GET')).statuses).toEqual([200, 429]);
    const writes = await callAs(w, created.token, 4, 'POST');
    expect(writes.statuses).toEqual([200, 200, 200, 429]);
    expect(writes.policy).toBe('"writes";q=3;w=60');
  });

  it('PATCH /tokens/:id sets, changes and (with null) clears the limit; absent leaves it', async () => {
    const w = setup();
    const t = await w.create({ label: 'agent', scopes: ['read'] });
    const patch = async (body: unknown) => {
      const res = await w.call('PATCH', `/tokens/${t.record.id}`, { body });
      expect(res.status).toBe(200);
      return ((await res.json()) as View).rateLimit;
    };
    expect(await patch({ rateLimit: { limit: 1, window: 30 } })).toEqual({ limit: 1, window: 30 });
    expect((await callAs(w, t.token, 2)).statuses).toEqual([200, 429]);
    expect(await patch({ rateLimit: { limit: 4, window: 30 } })).toEqual({ limit: 4, window: 30 });
    expect((await callAs(w, t.token, 4)).statuses).toEqual([200, 200, 200, 429]);
    expect(await patch({ label: 'renamed' })).toEqual({ limit: 4, window: 30 });
    expect(await patch({ rateLimit: null })).toBeNull();
    w.clock.advance(30_000);
    expect((await callAs(w, t.token, 5)).statuses).toEqual([200, 200, 200, 200, 200]);
    const updates = w.sink.events.filter((e) => e.type === 'token.updated') as { changes?: string[] }[];
    expect(updates.map((e) => e.changes)).toEqual([['rateLimit'], ['rateLimit'], ['label'], ['rateLimit']]);
  });

  const BAD: [string, unknown, string[]][] = [
    ['limit 0', { limit: 0, window: 60 }, ['rateLimit.limit']],
    ['a fractional limit and a zero window', { limit: 1.5, window: 0 }, ['rateLimit']],
    ['a window over 31 days', { limit: 10, window: 31 * 86_400 + 1 }, ['rateLimit.window']],
    ['a limit over 2^31 - 1', { limit: 2 ** 31, window: 60 }, ['rateLimit.limit']],
    ['a limit of 1e308 (two failed checks, one field)', { limit: 1e308, window: 60 }, ['rateLimit.limit']],
    ['a string', 'fast', ['rateLimit']],
    ['a number', 60, ['rateLimit']],
    ['an empty object', {}, ['rateLimit']],
    ['an unknown member', { limit: 1, window: 60, burst: 3 }, ['rateLimit.burst']],
    ['read without write', { read: { limit: 1, window: 60 } }, ['rateLimit']],
    [
      'a bad read limit',
      { read: { limit: -1, window: 60 }, write: { limit: 1, window: 60 } },
      ['rateLimit.read.limit'],
    ],
    ['a limit given as text', { limit: '5', window: 60 }, ['rateLimit']],
    ['a policy name with a quote', { limit: 5, window: 60, name: 'a"b' }, ['rateLimit.name']],
    [
      'read and write with one name',
      { read: { limit: 1, window: 60, name: 'x' }, write: { limit: 1, window: 60, name: 'x' } },
      ['rateLimit.write.name'],
    ],
  ];

  it.each(BAD)('POST /tokens with %s: 400 naming the field, nothing created', async (_, rateLimit, fields) => {
    const w = setup();
    w.sink.clear();
    const res = await w.call('POST', '/tokens', { body: { label: 'x', scopes: ['read'], rateLimit } });
    expect(res.status).toBe(400);
    const got = await fieldsOf(res);
    expect(got.code).toBe('invalid_request');
    expect(got.fields).toEqual(fields);
    // A known field with a reason, not the strict body's "Unknown field" for `rateLimit` itself.
    expect(got.errors).not.toContainEqual({ field: 'rateLimit', message: 'Unknown field' });
    expect((await w.keycard.list({ ownerId: 'alice', status: 'all' })).records).toEqual([]);
    expect(w.sink.events.filter((e) => e.type === 'token.issued')).toEqual([]);
  });

  it.each(BAD)('PATCH /tokens/:id with %s: 400 naming the field, nothing changed', async (_, rateLimit, fields) => {
    const w = setup();
    const t = await w.create({ label: 'agent', scopes: ['read'], rateLimit: { limit: 7, window: 60 } });
    const before = await w.keycard.get(t.record.id);
    w.sink.clear();
    const res = await w.call('PATCH', `/tokens/${t.record.id}`, { body: { label: 'renamed', rateLimit } });
    expect(res.status).toBe(400);
    const got = await fieldsOf(res);
    expect(got.code).toBe('invalid_request');
    expect(got.fields).toEqual(fields);
    expect(got.errors).not.toContainEqual({ field: 'rateLimit', message: 'Unknown field' });
    expect(await w.keycard.get(t.record.id)).toEqual(before);
    expect(w.sink.events.filter((e) => e.type === 'token.updated')).toEqual([]);
  });

  it('a management token may not grant or set a limit above its own (403 scope_escalation)', async () => {
    const w = setup();
    const m = await w.create({
      label: 'manager',
      scopes: ['read', 'manage'],
      expiresIn: '30d',
      rateLimit: { limit: 10, window: 60 },
    });
    const wider = await w.call('POST', '/tokens', {
      as: null,
      bearer: m.token,
      body: { label: 'child', scopes: ['read'], rateLimit: { limit: 100, window: 60 } },
    });
    expect(wider.status).toBe(403);
    expect(((await wider.json()) as { code: string }).code).toBe('scope_escalation');
    const within = await w.call('POST', '/tokens', {
      as: null,
      bearer: m.token,
      body: { label: 'child', scopes: ['read'], rateLimit: { limit: 5, window: 60 } },
    });
    expect(within.status).toBe(201);
    const child = ((await within.json()) as { record: View }).record;
    expect(child.rateLimit).toEqual({ limit: 5, window: 60 });
    // Clearing falls back to the default (60 per 60 s): above the manager's own 10.
    const cleared = await w.call('PATCH', `/tokens/${child.id}`, {
      as: null,
      bearer: m.token,
      body: { rateLimit: null },
    });
    expect(cleared.status).toBe(403);
  });
});

describe("a person may narrow a token's limit, never lift it above the one that would apply", () => {
  it('a session user: above the default (60 per 60 s) is 403 scope_escalation and writes nothing; at or under it is fine', async () => {
    const w = setup();
    const lifted = await w.call('POST', '/tokens', {
      as: 'bob',
      body: { label: 'b', scopes: ['read'], rateLimit: { limit: 2147483647, window: 1 } },
    });
    expect([lifted.status, ((await lifted.json()) as { code: string }).code]).toEqual([403, 'scope_escalation']);
    expect((await w.keycard.list({ ownerId: 'bob', status: 'all' })).records).toEqual([]);
    const split = await w.call('POST', '/tokens', {
      as: 'bob',
      body: {
        label: 'b',
        scopes: ['read'],
        rateLimit: { read: { limit: 600, window: 60 }, write: { limit: 1, window: 60 } },
      },
    });
    expect(split.status).toBe(403);
    const same = await w.create({ label: 'b', scopes: ['read'], rateLimit: { limit: 60, window: 60 } }, 'bob');
    const t = await w.create({ label: 'b', scopes: ['read'], rateLimit: { limit: 5, window: 60 } }, 'bob');
    const widen = await w.call('PATCH', `/tokens/${t.record.id}`, {
      as: 'bob',
      body: { rateLimit: { limit: 61, window: 60 } },
    });
    expect(widen.status).toBe(403);
    expect((await w.keycard.get(t.record.id))!.rateLimit).toEqual({ limit: 5, window: 60 });
    // Back to the default is not above it; nor is a rotation carrying a limit set in-process.
    expect((await w.call('PATCH', `/tokens/${t.record.id}`, { as: 'bob', body: { rateLimit: null } })).status).toBe(
      200,
    );
    await w.keycard.update(same.record.id, { rateLimit: { limit: 6000, window: 60 } });
    expect((await w.call('POST', `/tokens/${same.record.id}/rotate`, { as: 'bob', body: {} })).status).toBe(201);
  });
});

describe('rateLimit in the OpenAPI document', () => {
  it('create and update accept a RateLimit (update also null), and the view shows one', async () => {
    const w = setup();
    const doc = (await (await w.call('GET', '/openapi.json', { as: null })).json()) as {
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    const bodyOf = (path: string, method: string) =>
      (
        doc.paths[`/api/tokens${path}`]![method]!.requestBody!.content['application/json']!.schema as {
          properties: Record<string, unknown>;
        }
      ).properties;
    const ref = { $ref: '#/components/schemas/RateLimit' };
    expect(bodyOf('/tokens', 'post').rateLimit).toEqual(ref);
    expect(bodyOf('/tokens/{id}', 'patch').rateLimit).toEqual({ anyOf: [ref, { type: 'null' }] });
    expect(doc.components.schemas.TokenView!.properties!.rateLimit).toEqual({ anyOf: [ref, { type: 'null' }] });
    expect(JSON.stringify(doc.components.schemas.RateLimitPolicy)).toContain('"maximum":2678400');
  });
});
