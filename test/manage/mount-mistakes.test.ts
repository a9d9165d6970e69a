/**
 * The two mounting mistakes a newcomer makes with the management handler (docs/management.md
 * #mounting), on real servers on 127.0.0.1: Hono's `mount` without `replaceRequest: false` (Hono
 * strips the prefix) and a handler created without `basePath` but mounted under a prefix. Both
 * answer 404 for every route; the `detail` says why, naming only the configured basePath, never
 * the request's path.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import express from 'express';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressHandler } from '../../src/adapters/express.ts';
import { createKeycard, createManagementHandler, defineScopes, type UserActor } from '../../src/index.ts';

const keycard = createKeycard({ prefix: 'acme', scopes: defineScopes({ read: {} }) });
const alice = (): UserActor => ({ kind: 'user', id: 'alice', scopes: ['read'] });
const SECRET = 'acme_sk_1AuoUhDE9kfWKt49WpWCGWsvX8eIE1PnB39kjad';

let honoServer: ServerType;
let expressServer: Server;
let hono = '';
let viaExpress = '';

beforeAll(async () => {
  const h = new Hono();
  // The mistake: without { replaceRequest: false } Hono hands the handler `/tokens`.
  h.mount('/api/tokens', createManagementHandler(keycard, { basePath: '/api/tokens', authorize: alice }));
  await new Promise<void>((resolve) => {
    honoServer = serve({ fetch: h.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve());
  });
  hono = `http://127.0.0.1:${(honoServer.address() as AddressInfo).port}`;
  const e = express();
  // The mistake: no basePath, mounted under /api/tokens.
  e.use('/api/tokens', expressHandler(createManagementHandler(keycard, { authorize: alice })));
  await new Promise<void>((resolve) => {
    expressServer = e.listen(0, '127.0.0.1', () => resolve());
  });
  viaExpress = `http://127.0.0.1:${(expressServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => honoServer.close(r));
  await new Promise((r) => expressServer.close(r));
  await keycard.close();
});

const problem = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as { code: string; detail: string } };
};

describe('a management handler mounted where it cannot see its routes says why', () => {
  it("Hono's mount without replaceRequest: false: the 404 names the basePath and the fix", async () => {
    for (const path of ['/api/tokens/tokens', '/api/tokens/scopes', `/api/tokens/tokens/${SECRET}`]) {
      const { status, body } = await problem(`${hono}${path}`);
      expect(status).toBe(404);
      expect(body.code).toBe('not_found');
      expect(body.detail).toBe(
        'No such route: basePath is /api/tokens; mount the handler where it sees the whole URL (Hono: app.mount(path, handler, { replaceRequest: false }))',
      );
      expect(JSON.stringify(body)).not.toContain(SECRET);
    }
  });

  it("no basePath, mounted under a prefix: the 404 says basePath is '' and to set it", async () => {
    for (const path of ['/api/tokens/tokens', '/api/tokens/openapi.json', `/api/tokens/tokens/${SECRET}/revoke`]) {
      const { status, body } = await problem(`${viaExpress}${path}`);
      expect(status).toBe(404);
      expect(body.detail).toBe(
        "No such route: basePath is '' but the path ends in a route; set basePath to the mount prefix (e.g. '/api/tokens')",
      );
      expect(JSON.stringify(body)).not.toContain(SECRET);
    }
  });

  it('a path under the basePath that names no route keeps the plain answer', async () => {
    const good = new Hono();
    good.mount('/api/tokens', createManagementHandler(keycard, { basePath: '/api/tokens', authorize: alice }), {
      replaceRequest: false,
    });
    const res = await good.request('/api/tokens/nope');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { detail: string }).detail).toBe('No such route');
    expect((await good.request('/api/tokens/tokens')).status).toBe(200);
  });
});
