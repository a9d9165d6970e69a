/**
 * RFC 9110 §15.3.2: a 201's created resource "is identified by either a Location header field in
 * the response or, if no Location header field is received, by the target URI". Without one, a
 * client takes `POST …/tokens` (the collection) or `POST …/tokens/:id/rotate` (an action) for the
 * new token. The Location is a relative reference (§10.2.2, resolved against the target URI), so
 * it stays right behind a proxy that strips a prefix. Through real Express and Hono servers on
 * 127.0.0.1 and a Next route module: following the header reaches the new token's `GET /tokens/:id`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { BASE, ORIGIN, setup } from './fixture.ts';
import { listenAll } from './servers.ts';

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers) await close();
});

/** alice's session, sent as a same-origin browser of `origin` would. */
const session = (origin: string) => ({ cookie: 'sid=alice', origin, 'content-type': 'application/json' });

/** POSTs `path` through every server and follows each answer's Location with a GET. */
async function created(handler: (r: Request) => Promise<Response>, path: string, body: unknown) {
  const { origins, close } = await listenAll(handler);
  closers.push(close);
  const via = [...origins.map((o) => (r: Request) => fetch(r)), handler]; // Express, Hono, Next
  const bases = [...origins, ORIGIN];
  const out: { status: number; location: string | null; newId: string; followed: string | null }[] = [];
  for (const [i, send] of via.entries()) {
    const target = `${bases[i]}${BASE}${path.replace(':id', await fresh())}`;
    const headers = session(bases[i]!);
    const res = await send(new Request(target, { method: 'POST', headers, body: JSON.stringify(body) }));
    const answer = (await res.json()) as { record?: { id: string } };
    expect([target, res.status]).toEqual([target, 201]);
    const location = res.headers.get('location');
    let followed: string | null = null;
    if (location !== null) {
      const got = await send(new Request(new URL(location, target), { headers }));
      followed = got.status === 200 ? ((await got.json()) as { id: string }).id : `status ${got.status}`;
    }
    out.push({ status: res.status, location, newId: answer.record!.id, followed });
  }
  return out;
}

let make: () => Promise<string>;
const fresh = () => make();

describe('201 answers carry Location (RFC 9110 §15.3.2)', () => {
  it('POST /tokens: Location names the new token, relative to the target URI', async () => {
    const { handler, create } = setup();
    make = async () => (await create()).record.id;
    for (const a of await created(handler, '/tokens', { label: 'ci', scopes: ['read'] })) {
      expect(a.status).toBe(201);
      expect(a.location).toBe(`tokens/${a.newId}`);
      expect(a.followed).toBe(a.newId);
    }
  });

  it('POST /tokens/:id/rotate: Location names the new token, not the old one or the action', async () => {
    const { handler, create } = setup();
    make = async () => (await create()).record.id;
    for (const a of await created(handler, '/tokens/:id/rotate', {})) {
      expect(a.status).toBe(201);
      expect(a.location).toBe(`../${a.newId}`);
      expect(a.followed).toBe(a.newId);
    }
  });

  it('no other answer carries Location', async () => {
    const { call, create } = setup();
    const { record } = await create();
    for (const [method, path, body] of [
      ['GET', '/tokens', undefined],
      ['GET', `/tokens/${record.id}`, undefined],
      ['PATCH', `/tokens/${record.id}`, { label: 'x' }],
      ['POST', `/tokens/${record.id}/revoke`, {}],
      ['POST', '/tokens', { label: 5 }],
    ] as const) {
      const res = await call(method, path, body === undefined ? {} : { body });
      expect([path, res.headers.get('location')]).toEqual([path, null]);
    }
  });
});
