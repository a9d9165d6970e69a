import { describe, expect, expectTypeOf, it } from 'vitest';
import { withKeycard } from '../src/adapters/next.ts';
import { createKeycard, memoryAuditSink, type AuthFailure, type Identity } from '../src/index.ts';
import { contractRow, expectProblem } from './contract-table.ts';
import { contractFixture, ROUTES } from './contract-fixture.ts';
import { toadoScopes } from './helpers.ts';

const headersOf = (h: Readonly<Record<string, string | readonly string[]>>) => {
  const out = new Headers();
  for (const [k, v] of Object.entries(h)) for (const x of [v].flat()) out.append(k, x);
  return out;
};

describe('keycard/next route-handler wrapper, called with new Request(...)', async () => {
  const fx = await contractFixture();
  const handlers = Object.fromEntries(
    Object.entries(ROUTES).map(([path, need]) => [
      path,
      withKeycard<{ params: Promise<Record<string, string>> }>(fx.keycard, need, (_req, ctx) => {
        expectTypeOf(ctx.identity).toEqualTypeOf<Identity>();
        return Response.json({ by: ctx.identity.label });
      }),
    ]),
  );
  const ctx = { params: Promise.resolve({}) };

  it('answers every row of the SPEC §8 table with the same bytes', async () => {
    for (const c of fx.cases) {
      const res = await handlers[c.path]!(
        new Request(`http://localhost${c.path}`, { method: c.method, headers: headersOf(c.headers) }),
        ctx,
      );
      expectProblem({ status: res.status, headers: res.headers, body: await res.text() }, contractRow(c.code), expect);
    }
  });

  it('adds the rate-limit headers to what the handler returns, including an immutable Response.redirect()', async () => {
    const redirect = withKeycard(fx.keycard, { scope: 'read' }, () =>
      Response.redirect('http://localhost/elsewhere', 307),
    );
    const res = await redirect(new Request('http://localhost/r', { headers: { authorization: `Bearer ${fx.good}` } }), {
      params: Promise.resolve({}),
    });
    expect(res.status).toBe(307);
    expect(res.headers.get('location')).toBe('http://localhost/elsewhere');
    expect(res.headers.get('ratelimit-policy')).toBe('"default";q=60;w=60');
  });

  it('turns a restriction denial thrown in the handler into its problem', async () => {
    const restricted = await fx.keycard.issue({
      ownerId: 'u1',
      label: 'r',
      scopes: ['read'],
      restrictions: { company: ['c1'], project: ['p1'] },
    });
    const h = withKeycard(fx.keycard, undefined, (_r, { identity }) => {
      identity.assert({ company: 'c1', project: 'p9' }, 'read');
      return Response.json({});
    });
    const res = await h(
      new Request('http://localhost/x', { headers: { authorization: `Bearer ${restricted.token}` } }),
      { params: Promise.resolve({}) },
    );
    expectProblem(
      { status: res.status, headers: res.headers, body: await res.text() },
      contractRow('forbidden_resource'),
      expect,
    );
    await expect(
      withKeycard(fx.keycard, undefined, () => {
        throw new Error('bug');
      })(new Request('http://localhost/x', { headers: { authorization: `Bearer ${fx.good}` } }), {
        params: Promise.resolve({}),
      }),
    ).rejects.toThrow('bug');
  });
});

describe("keycard/next with onForeignToken: 'next'", () => {
  const FOREIGN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'; // another issuer's JWT

  /** One foreign-token request through a route handler, and what keycard recorded of it. */
  async function refuse(onForeignToken: 'reject' | 'next') {
    const sink = memoryAuditSink();
    const failures: AuthFailure[] = [];
    const kc = createKeycard({
      prefix: 'acme',
      scopes: toadoScopes(),
      onForeignToken,
      audit: sink,
      onAuthFailure: (f) => void failures.push(f),
    });
    let ran = false;
    const GET = withKeycard(kc, { scope: 'read' }, () => ((ran = true), Response.json({})));
    const res = await GET(
      new Request('http://localhost/api/tickets', {
        headers: { authorization: `Bearer ${FOREIGN}`, 'x-request-id': 'req-1' },
      }),
      { params: Promise.resolve({}) },
    );
    const body = await res.text();
    await kc.close(); // flushes the coalesced denial
    const { time: _t, ...event } = sink.events.find((e) => e.type === 'request.denied') ?? { time: '' };
    return { status: res.status, body, ran, event, failures, all: JSON.stringify([sink.events, failures]) };
  }

  it("a route handler has no next: another issuer's token is a 401, audited exactly as with 'reject', without the token", async () => {
    const next = await refuse('next');
    const reject = await refuse('reject');
    expect([next.status, next.ran]).toEqual([401, false]);
    expect(JSON.parse(next.body)).toMatchObject({ code: 'invalid_token' });
    expect(next.event).toMatchObject({
      type: 'request.denied',
      method: 'GET',
      path: '/api/tickets',
      requestId: 'req-1',
      tokenId: null,
      reason: 'invalid_token',
    });
    expect(next.event).toEqual(reject.event);
    expect(next.failures).toEqual([{ code: 'invalid_token', method: 'GET', path: '/api/tickets', tokenId: null }]);
    expect(next.failures).toEqual(reject.failures);
    for (const secret of [FOREIGN, FOREIGN.split('.')[2]!]) expect(next.all).not.toContain(secret);
  });
});
