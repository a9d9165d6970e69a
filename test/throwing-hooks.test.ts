/**
 * Issue 11, item 9: integrator hooks that throw. A throwing onError must not turn a store outage
 * into a 500 with a stack trace, and a failed background write (lastUsedAt, rehash) must never
 * become an unhandled rejection. Real Express 5 server on 127.0.0.1, NODE_ENV=production.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressGuard } from '../src/adapters/express.ts';
import { createKeycard, memoryTokenStore, type AuditSink, type Keycard, type TokenStore } from '../src/index.ts';
import { toadoScopes } from './helpers.ts';

const boom = () => {
  throw new Error('hook exploded');
};

describe('hooks that throw', () => {
  const rejections: unknown[] = [];
  const uncaught: unknown[] = [];
  const onRejection = (e: unknown) => void rejections.push(e);
  const onUncaught = (e: unknown) => void uncaught.push(e);
  let server: Server;
  let port: number;
  let kc: Keycard;
  let token: string;
  let failing = false;
  const env = process.env.NODE_ENV;

  beforeAll(async () => {
    process.env.NODE_ENV = 'production';
    process.on('unhandledRejection', onRejection);
    process.on('uncaughtException', onUncaught);
    const inner = memoryTokenStore();
    const store: TokenStore = {
      ...inner,
      shared: false,
      findByHash: (h) => (failing ? Promise.reject(new Error('connection refused')) : inner.findByHash(h)),
      touch: () => Promise.reject(new Error('lastUsedAt write failed')),
      create: inner.create.bind(inner),
      get: inner.get.bind(inner),
      list: inner.list.bind(inner),
      update: inner.update.bind(inner),
      revoke: inner.revoke.bind(inner),
      revokeAll: inner.revokeAll.bind(inner),
      rehash: inner.rehash.bind(inner),
      announceOwner: inner.announceOwner.bind(inner),
    };
    const throwingSink: AuditSink = { write: boom };
    kc = createKeycard({
      prefix: 'acme',
      scopes: toadoScopes(),
      store,
      cacheSize: 0,
      negativeCacheSize: 0,
      touchIntervalMs: 0,
      onError: boom,
      onAuthFailure: boom,
      audit: throwingSink,
      workspaceRateLimit: boom,
    });
    token = (await kc.issue({ ownerId: 'u1', label: 'ci', kind: 'workspace', workspaceId: 'w1' })).token;
    kc.on('token.issued', boom);
    kc.on('token.revoked', (() => Promise.reject(new Error('async listener exploded'))) as unknown as () => void); // an async listener that rejects
    const app = express();
    app.get('/tasks', expressGuard(kc)({ scope: 'read' }), (_req, res) => void res.json({ ok: true }));
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    process.env.NODE_ENV = env;
    await new Promise((r) => server.close(r));
    await kc.close();
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onUncaught);
  });

  const get = async (t: string) => {
    const res = await fetch(`http://127.0.0.1:${port}/tasks`, { headers: { authorization: `Bearer ${t}` } });
    return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
  };

  it('store outage + throwing onError: a 503 problem body on Express, no 500, no stack', async () => {
    failing = true;
    for (let i = 0; i < 5; i++) {
      const r = await get(token);
      expect(r.status).toBe(503);
      expect(r.type).toMatch(/application\/problem\+json/);
      expect(JSON.parse(r.body)).toMatchObject({ status: 503, code: 'unavailable' });
      expect(r.body).not.toMatch(/hook exploded|at .*\(|Error:/);
    }
    failing = false;
  });

  it('throwing onError, onAuthFailure, audit sink, workspace resolver and listeners: requests are answered, nothing goes unhandled', async () => {
    // workspaceRateLimit throws ⇒ 503 (fail closed), answered.
    expect((await get(token)).status).toBe(503);
    expect((await get('acme_sk_forged')).status).toBe(401);
    // A listener that throws after issue() wrote must not fail the call (the token exists).
    const plain = await kc.issue({ ownerId: 'u2', label: 'p' });
    // lastUsedAt writes reject in the background; onError throws on each report.
    for (let i = 0; i < 5; i++) expect((await get(plain.token)).status).toBe(200);
    await kc.revoke(plain.record.id);
    expect((await get(plain.token)).status).toBe(401);
    // Let background writes and reports settle, then look for anything unhandled.
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 50));
    expect(rejections).toEqual([]);
    expect(uncaught).toEqual([]);
  });
});
