/**
 * keycard's Express mount (`expressHandler`) builds the Web `Request` from what the client sent:
 * `Host`, the request target and, behind `trust proxy`, `X-Forwarded-Proto`. None of them may
 * crash the mount (a TypeError with its stack in Express's error page) or move the request to
 * another route than the one Express matched (a path smuggled in `Host`).
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { expressHandler } from '../../src/adapters/express.ts';
import { nodeRequestUrl } from '../../src/adapter-kit.ts';
import { sendRaw } from '../raw-http.ts';
import { BASE, setup } from './fixture.ts';

/** Sends `head` (request line and fields) as is on a fresh socket; answers status, fields and body. */
async function raw(port: number, head: string, body = ''): Promise<{ status: number; head: string; body: string }> {
  const text = await sendRaw(port, `${head}\r\nConnection: close\r\n\r\n${body}`);
  const split = text.indexOf('\r\n\r\n');
  return { status: Number(text.split(' ')[1]), head: text.slice(0, split), body: text.slice(split + 4) };
}

let world: ReturnType<typeof setup>;
let server: Server;
let port = 0;
let proxied: Server;
let proxiedPort = 0;

beforeAll(async () => {
  world = setup();
  const listen = async (trustProxy: boolean) => {
    const app = express();
    if (trustProxy) app.set('trust proxy', true);
    app.use(BASE, expressHandler(world.handler));
    const s = app.listen(0, '127.0.0.1');
    await new Promise((r) => s.once('listening', r));
    return s;
  };
  server = await listen(false);
  port = (server.address() as AddressInfo).port;
  proxied = await listen(true);
  proxiedPort = (proxied.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await new Promise((r) => proxied.close(r));
});

const expectCleanRefusal = (a: { status: number; head: string; body: string }) => {
  expect(a.status).toBe(400);
  expect(a.head.toLowerCase()).toContain('content-type: application/problem+json');
  expect(a.body).not.toMatch(/TypeError|\bat .*\.(?:ts|js):\d+/);
  expect(JSON.parse(a.body)).toMatchObject({ status: 400, code: 'invalid_request' });
};

describe('a Host that is no host[:port]', () => {
  test.each(['a b', 'a:99999', '[::1', 'exa mple:1', '@', 'a@b', 'a%00', 'a\tb', 'é.example'])(
    'Host %j: a 400 problem, no TypeError or stack',
    async (host) => {
      expectCleanRefusal(await raw(port, `GET ${BASE}/tokens HTTP/1.1\r\nHost: ${host}\r\nCookie: sid=alice`));
    },
  );

  test('a path smuggled in Host does not move a create to another token’s revoke', async () => {
    const victim = await world.create({ label: 'victim', scopes: ['read'] });
    const host = `127.0.0.1/api/tokens/tokens/${victim.record.id}/revoke#`;
    const a = await raw(
      port,
      `POST ${BASE}/tokens HTTP/1.1\r\nHost: ${host}\r\nCookie: sid=alice\r\nOrigin: http://127.0.0.1\r\n` +
        'Content-Type: application/json\r\nContent-Length: 2',
      '{}',
    );
    expectCleanRefusal(a);
    expect((await world.keycard.get(victim.record.id))?.revokedAt).toBeNull();
  });

  test.each(['127.0.0.1/x', '127.0.0.1?x', '127.0.0.1#x', 'u:p@127.0.0.1'])(
    'Host %j (path, query, fragment or user info): 400, never another route',
    async (host) => {
      expectCleanRefusal(await raw(port, `GET ${BASE}/tokens HTTP/1.1\r\nHost: ${host}\r\nCookie: sid=alice`));
    },
  );
});

describe('what still works', () => {
  test.each([`127.0.0.1`, `localhost:8080`, `[::1]:9`, `API.Example.com`])('Host %j: 200', async (host) => {
    const a = await raw(port, `GET ${BASE}/tokens HTTP/1.1\r\nHost: ${host}\r\nCookie: sid=alice`);
    expect(a.status).toBe(200);
  });

  test('an absolute-form target (RFC 9112 §3.2.2) is answered as its path, not a 500', async () => {
    const a = await raw(
      port,
      `GET http://127.0.0.1:${port}${BASE}/tokens HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: sid=alice`,
    );
    expect(a.status).toBe(200);
    expect(JSON.parse(a.body)).toHaveProperty('data');
  });
});

describe('behind trust proxy: X-Forwarded-Proto', () => {
  test.each(['javascript', 'http://evil.test/x#', 'ht tp', 'ftp'])('%j: a 400 problem', async (proto) => {
    expectCleanRefusal(
      await raw(
        proxiedPort,
        `GET ${BASE}/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: ${proto}\r\nCookie: sid=alice`,
      ),
    );
  });

  test('https from the proxy is kept: the default CSRF origin is https://…', async () => {
    const body = '{"label":"via proxy","scopes":["read"]}';
    const a = await raw(
      proxiedPort,
      `POST ${BASE}/tokens HTTP/1.1\r\nHost: app.test\r\nX-Forwarded-Proto: https\r\nCookie: sid=alice\r\n` +
        `Origin: https://app.test\r\nContent-Type: application/json\r\nContent-Length: ${body.length}`,
      body,
    );
    expect(a.status).toBe(201);
  });
});

describe('X-Forwarded-Host: the URL (and so the default CSRF origin) is the one the browser used', () => {
  // A proxy that rewrites Host (to the app's internal name) says the browser's in X-Forwarded-Host;
  // Express's req.host reads it only under `trust proxy`, as req.protocol reads X-Forwarded-Proto.
  const post = (p: number, fields: string) => {
    const body = '{"label":"via proxy","scopes":["read"]}';
    return raw(
      p,
      `POST ${BASE}/tokens HTTP/1.1\r\nHost: backend:3000\r\n${fields}Cookie: sid=alice\r\n` +
        `Origin: https://app.test\r\nContent-Type: application/json\r\nContent-Length: ${body.length}`,
      body,
    );
  };

  test('behind trust proxy: the forwarded host and scheme make the origin, so the browser’s POST is let in', async () => {
    const a = await post(proxiedPort, 'X-Forwarded-Host: app.test\r\nX-Forwarded-Proto: https\r\n');
    expect(a.status).toBe(201);
  });

  test('without trust proxy: X-Forwarded-Host is anyone’s to send and is ignored (403: Origin is not Host’s)', async () => {
    const a = await post(port, 'X-Forwarded-Host: app.test\r\nX-Forwarded-Proto: https\r\n');
    expect(a.status).toBe(403);
    expect(JSON.parse(a.body)).toMatchObject({ code: 'forbidden' });
  });

  test.each(['app.test/api/tokens/tokens/x/revoke#', 'a b', 'u:p@app.test', 'app.test:99999'])(
    'behind trust proxy, X-Forwarded-Host %j is checked as Host is: a 400 problem',
    async (host) => {
      expectCleanRefusal(
        await raw(
          proxiedPort,
          `GET ${BASE}/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Host: ${host}\r\nCookie: sid=alice`,
        ),
      );
    },
  );
});

describe('a target whose dot segments the URL parser would resolve (Express does not)', () => {
  // Express routes `/tokens/tok_a/b/%2E%2E/revoke` as one path (no route `/tokens/:id/revoke`
  // of the app sees it); the WHATWG parser makes it `/tokens/tok_a/revoke`.
  test.each(['b/%2E%2E/', 'b/%2e%2e/', 'b/../', 'b/.%2E/', './', '%2e/'])(
    'POST …/tokens/<id>/%s…revoke: a 400 problem, the token is not revoked',
    async (dots) => {
      const victim = await world.create({ label: 'victim', scopes: ['read'] });
      for (const target of [
        `${BASE}/tokens/${victim.record.id}/${dots}revoke`,
        `http://127.0.0.1:${port}${BASE}/tokens/${victim.record.id}/${dots}revoke`,
      ]) {
        const a = await raw(
          port,
          `POST ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: sid=alice\r\n` +
            `Origin: http://127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 2`,
          '{}',
        );
        expectCleanRefusal(a);
        expect((await world.keycard.get(victim.record.id))?.revokedAt).toBeNull();
      }
    },
  );

  test('the same revoke without dot segments still revokes (control)', async () => {
    const victim = await world.create({ label: 'victim', scopes: ['read'] });
    const a = await raw(
      port,
      `POST ${BASE}/tokens/${victim.record.id}/revoke HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: sid=alice\r\n` +
        `Origin: http://127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 2`,
      '{}',
    );
    expect(a.status).toBeLessThan(300);
    expect((await world.keycard.get(victim.record.id))?.revokedAt).not.toBeNull();
  });
});

describe('a method a Web Request cannot carry', () => {
  // Node's parser hands TRACE to Express (TRACK it refuses, CONNECT goes to the 'connect' event);
  // `new Request` throws for all three.
  test('TRACE: a 400 problem, never a 500 with the TypeError and its stack', async () => {
    const a = await raw(port, `TRACE ${BASE}/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: sid=alice`);
    expectCleanRefusal(a);
  });
});

/** The target's path as sent: what Express routes on. */
const rawPath = (target: string) => target.split('?')[0]!;

describe('nodeRequestUrl, the law', () => {
  const piece = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 24 }),
    fc.constantFrom('/', '?', '#', '@', ':', '[', ']', ' ', '%2f', '\\', '..', 'a.b', '127.0.0.1', ':80'),
  );
  const hostArb = fc.array(piece, { maxLength: 5 }).map((a) => a.join(''));
  const plainTarget = fc
    .array(fc.constantFrom('/api', '/tokens', '/tok_1', '/revoke', '?limit=1', '/x%20y', '/a.b', '/%2e%2ex'), {
      minLength: 1,
    })
    .map((a) => `/${a.join('').replace(/^\/+/, '')}`);
  const dotted = fc
    .tuple(plainTarget, fc.constantFrom('/.', '/..', '/%2e', '/%2E%2e', '/.%2E', '/%2e.'), plainTarget)
    .map(([a, dots, b]) => `${a.split('?')[0]}${dots}${b}`);

  test('whatever Host and scheme say, the path is the target’s as sent, or there is no URL (3,000 runs)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('http', 'https', 'HTTPS', 'ftp', 'javascript', 'http://e/x#'),
        hostArb,
        fc.oneof(plainTarget, dotted),
        (proto, host, t) => {
          const url = nodeRequestUrl(proto, host, t);
          if (url === null) return;
          const got = new URL(url);
          expect(got.pathname).toBe(rawPath(t));
          expect(got.search).toBe(t.includes('?') ? t.slice(t.indexOf('?')) : '');
          expect(got.username + got.password + got.hash).toBe('');
          expect(['http:', 'https:']).toContain(got.protocol);
        },
      ),
      { numRuns: 3000 },
    );
  });

  test('a good Host and scheme with a target free of dot segments make a URL of that very path (1,000 runs)', () => {
    const goodHost = fc.constantFrom(undefined, '127.0.0.1', 'localhost:8080', '[::1]:9', 'API.Example.com');
    fc.assert(
      fc.property(fc.constantFrom('http', 'https', 'HTTPS'), goodHost, plainTarget, fc.boolean(), (p, h, t, abs) => {
        const target = abs ? `${p.toLowerCase()}://${h ?? 'x.test'}${t}` : t;
        const url = nodeRequestUrl(p, h, target);
        expect(url).not.toBeNull();
        expect(new URL(url!).pathname).toBe(rawPath(t));
      }),
      { numRuns: 1000 },
    );
  });

  test('a target with a dot segment makes no URL, origin-form or absolute-form (1,000 runs)', () => {
    fc.assert(
      fc.property(dotted, fc.boolean(), (t, abs) => {
        expect(nodeRequestUrl('http', '127.0.0.1', abs ? `http://127.0.0.1${t}` : t)).toBeNull();
      }),
      { numRuns: 1000 },
    );
  });
});
