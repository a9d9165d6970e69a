import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import { expressGuard, expressHandler } from '../src/adapters/express.ts';
import { honoGuard } from '../src/adapters/hono.ts';
import { withKeycard } from '../src/adapters/next.ts';
import { generateToken } from '../src/core/token.ts';
import { leakFixture, TYPE } from './leaks-fixture.ts';

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

async function listen(app: express.Express): Promise<string> {
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((r) => server.once('listening', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** POSTs a signed report through `send`, then asserts the API now refuses the token with 401 token_revoked. */
async function loop(
  send: (r: Request) => Promise<Response>,
  api: (token: string) => Promise<Response>,
  f: Awaited<ReturnType<typeof leakFixture>>,
) {
  const { token } = await f.keycard.issue({ ownerId: 'u1', label: 'ci' });
  expect((await api(token)).status).toBe(200);
  const report = await send(await f.report(f.body([token])));
  expect(report.status).toBe(200);
  expect(((await report.json()) as { label: string }[])[0]!.label).toBe('true_positive');
  const after = await api(token);
  expect(after.status).toBe(401);
  expect(((await after.json()) as { code: string }).code).toBe('token_revoked');
}

describe('a signed report revokes a token; the next API call gets 401 token_revoked', () => {
  it('Express (real server on 127.0.0.1, the intake mounted before any body parser)', async () => {
    const f = await leakFixture();
    const app = express();
    app.post('/leaks/github', expressHandler(f.handler)); // as docs/leaks.md mounts it
    app.use(express.json());
    app.get('/api/tickets', expressGuard(f.keycard)({ scope: 'read' }), (_req, res) => void res.json({ ok: true }));
    const base = await listen(app);
    await loop(
      async (r) => fetch(`${base}/leaks/github`, { method: 'POST', headers: r.headers, body: await r.arrayBuffer() }),
      (token) => fetch(`${base}/api/tickets`, { headers: { authorization: `Bearer ${token}` } }),
      f,
    );
  });

  it('Hono (app.mount)', async () => {
    const f = await leakFixture();
    const app = new Hono();
    app.mount('/leaks/github', f.handler);
    app.get('/api/tickets', honoGuard(f.keycard, { scope: 'read' }), (c) => c.json({ ok: true }));
    await loop(
      async (r) => app.request('/leaks/github', { method: 'POST', headers: r.headers, body: await r.arrayBuffer() }),
      async (token) => app.request('/api/tickets', { headers: { authorization: `Bearer ${token}` } }),
      f,
    );
  });

  it('Next (route modules called with new Request)', async () => {
    const f = await leakFixture();
    const leaksRoute = { POST: f.handler }; // app/api/leaks/github/route.ts: export const POST = createLeakIntakeHandler(…)
    const ticketsRoute = { GET: withKeycard(f.keycard, { scope: 'read' }, () => Response.json({ ok: true })) };
    await loop(
      async (r) =>
        leaksRoute.POST(
          new Request('http://localhost/api/leaks/github', {
            method: 'POST',
            headers: r.headers,
            body: await r.arrayBuffer(),
          }),
        ),
      (token) =>
        ticketsRoute.GET(
          new Request('http://localhost/api/tickets', { headers: { authorization: `Bearer ${token}` } }),
          { params: Promise.resolve({}) },
        ),
      f,
    );
  });
});

describe('a batch of 1,000 matches through Express', () => {
  it('is answered in order with the right labels (time reported, not asserted)', async () => {
    const f = await leakFixture();
    const live = await Promise.all(
      Array.from({ length: 400 }, (_, i) => f.keycard.issue({ ownerId: `u${i % 20}`, label: `t${i}` })),
    );
    const revoked = live.slice(0, 100);
    for (const t of revoked) await f.keycard.revoke(t.record.id);
    const tokens: string[] = [];
    const expected: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const kind = i % 5;
      if (kind < 2 && i / 5 < 200) {
        tokens.push(live[(2 * Math.floor(i / 5) + kind) % live.length]!.token); // live or already revoked: ours
        expected.push('true_positive');
      } else if (kind === 2) {
        tokens.push(generateToken({ prefix: 'acme', type: 'sk' })); // well-formed, not ours
        expected.push('false_positive');
      } else {
        tokens.push(`acme_sk_1${'x'.repeat(38)}`); // fails the CRC
        expected.push('false_positive');
      }
    }
    const app = express();
    app.post('/leaks', expressHandler(f.handler));
    const base = await listen(app);
    const r = await f.report(f.body(tokens));
    const body = await r.arrayBuffer();
    const started = performance.now();
    const res = await fetch(`${base}/leaks`, { method: 'POST', headers: r.headers, body });
    const answer = (await res.json()) as { label: string; token_type: string }[];
    const ms = performance.now() - started;
    expect(res.status).toBe(200);
    expect(answer.map((a) => a.label)).toEqual(expected);
    expect(answer.every((a) => a.token_type === TYPE)).toBe(true);
    for (const t of live.slice(100)) expect((await f.keycard.verify(t.token)).ok).toBe(false);
    console.info(
      `leak intake: 1,000 matches (${body.byteLength} bytes) answered through Express in ${ms.toFixed(1)} ms`,
    );
  });
});
