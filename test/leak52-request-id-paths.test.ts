/**
 * leak52 item 2: every path that sets an audit event's `requestId` goes through one rule,
 * `requestIdFrom` (src/core/audit-fields.ts): a request id holding a token, a token without its
 * prefix or a hex image of one is replaced by a generated id, a well-formed one (`req-42`) is
 * kept. The HTTP paths read `X-Request-Id`; two paths take the id from the caller's code: the
 * lifecycle calls' `actor.requestId` and `keycard.recordAudit({ requestId })`. The leak intake's
 * events carry no request id at all; the MCP gate's events are built by the same request-audit
 * code as `authenticate`'s (no other place in src/adapters/mcp sets one).
 */
import { describe, expect, test } from 'vitest';
import { createKeycard, defineScopes, memoryAuditSink, type AuditEvent } from '../src/index.ts';
import { setup } from './manage/fixture.ts';
import { setup as deviceSetup, SESSION } from './device-fixture.ts';
import { leakFixture } from './leaks-fixture.ts';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const scopes = defineScopes({ read: {} }, { defaults: ['read'] });
const bare = () => {
  const sink = memoryAuditSink();
  return { sink, keycard: createKeycard({ prefix: 'acme', scopes, audit: sink }) };
};
const { token } = await bare().keycard.issue({ ownerId: 'u1', label: 'a' });
const tail = token.slice('acme_sk_'.length);

/** Request ids a careless caller may send: each must be replaced. */
const SECRET_IDS: Record<string, string> = {
  'token tail': tail,
  'sk_ + tail': `sk_${tail}`,
  'version and body': tail.slice(0, 33),
  'tail in hex': Buffer.from(tail.slice(0, 33)).toString('hex'),
  token,
};

/** Each path: runs a call carrying `id` as its request id and answers the events it wrote. */
const PATHS: Record<string, (id: string) => Promise<readonly AuditEvent[]>> = {
  'authenticate, denied (X-Request-Id)': async (id) => {
    const { sink, keycard } = bare();
    await keycard.authenticate(
      new Request('http://x/api', { headers: { authorization: 'Bearer nope', 'x-request-id': id } }),
    );
    await keycard.close();
    return sink.events;
  },
  'authenticate, allowed (X-Request-Id)': async (id) => {
    const { sink, keycard } = bare();
    const own = (await keycard.issue({ ownerId: 'u1', label: 'a' })).token;
    sink.clear();
    await keycard.authenticate(
      new Request('http://x/api', { headers: { authorization: `Bearer ${own}`, 'x-request-id': id } }),
    );
    await keycard.close();
    return sink.events;
  },
  'management API (X-Request-Id)': async (id) => {
    const w = setup();
    const res = await w.call('POST', '/tokens', {
      body: { label: 'ci', scopes: ['read'] },
      headers: { 'x-request-id': id },
    });
    expect(res.status).toBe(201);
    return w.sink.events;
  },
  'device routes (X-Request-Id on each call)': async (id) => {
    const w = deviceSetup();
    const h = { 'x-request-id': id };
    const start = await w.post('/code', { client_id: 'toado-cli', host: 'laptop', scope: 'read' }, h);
    const { device_code, user_code } = (await start.json()) as { device_code: string; user_code: string };
    await w.post('/approve', { user_code, scope: 'read', expires: '30d' }, { ...SESSION, ...h });
    expect((await w.post('/token', { grant_type: GRANT, device_code, client_id: 'toado-cli' }, h)).status).toBe(200);
    return w.audit.events;
  },
  'leak intake (X-Request-Id)': async (id) => {
    const f = await leakFixture();
    const live = await f.keycard.issue({ ownerId: 'u1', label: 'a' });
    f.audit.clear();
    const res = await f.handler(await f.report(f.body([live.token]), { headers: { 'x-request-id': id } }));
    expect(res.status).toBe(200);
    return f.audit.events;
  },
  'lifecycle call, actor.requestId': async (id) => {
    const { sink, keycard } = bare();
    await keycard.issue({
      ownerId: 'u1',
      label: 'a',
      actor: { kind: 'user', id: 'u1', scopes: ['read'], requestId: id },
    });
    await keycard.close();
    return sink.events;
  },
  'keycard.recordAudit({ requestId })': async (id) => {
    const { sink, keycard } = bare();
    await keycard.recordAudit({
      type: 'token.issued',
      tokenId: 'tok_1',
      label: 'a',
      ownerId: 'u1',
      workspaceId: null,
      actor: { kind: 'user', id: 'u1' },
      requestId: id,
    } as never);
    await keycard.close();
    return sink.events;
  },
};

/** Paths whose events carry the request id they were given (the leak intake's carry none). */
const CARRIES = Object.keys(PATHS).filter((p) => !p.startsWith('leak intake'));

describe('one request-id rule on every path that writes one', () => {
  for (const [path, run] of Object.entries(PATHS)) {
    for (const [what, id] of Object.entries(SECRET_IDS))
      test(`${path}: ${what} is replaced`, async () => {
        const events = await run(id);
        expect(events.length).toBeGreaterThan(0);
        for (const e of events) {
          const requestId = (e as { requestId?: unknown }).requestId;
          if (requestId === undefined) continue;
          expect(requestId, e.type).toMatch(REQUEST_ID);
          expect(requestId, e.type).not.toContain(tail.slice(0, 33));
          expect(requestId, e.type).not.toBe(id);
        }
        expect(JSON.stringify(events)).not.toContain(tail.slice(0, 33));
      });
    if (CARRIES.includes(path))
      test(`${path}: a well-formed id is kept`, async () => {
        const events = await run('req-42');
        expect(events.map((e) => (e as { requestId?: unknown }).requestId)).toContain('req-42');
      });
  }
});
