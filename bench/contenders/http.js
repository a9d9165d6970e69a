// Part 3 — HTTP servers, one per process, on 127.0.0.1 (an ephemeral port). The orchestrator loads
// them with autocannon in alternated rounds and reads each one's CPU time per request from here.
// Every server answers `GET /tickets` with the same small JSON body; the auth variants put their
// check in front of it. All requests carry one valid bearer token (`token`, issued by keycard).

import http from 'node:http';
import { createHash } from 'node:crypto';
import { createKeycard, defineScopes } from '../../dist/index.js';
import { generateToken as generate } from '../../dist/store-kit.js';
import { floorPipeline, SCOPE_READ } from '../lib/floor.js';
import { PREFIX, HUGE } from './verify.js';

const BODY = '{"tickets":[]}';

/** 9,999 other well-formed tokens, so the floor's and the peer's key maps hold 10,000 like keycard's store. */
const others = () => Array.from({ length: 9_999 }, () => generate({ prefix: PREFIX }));
const REQUIREMENT = Object.freeze({ scope: 'read' });

/**
 * A keycard instance with `records` issued tokens, the memory limiter (nothing refused) and a
 * counting audit sink (an in-memory array would grow by the hundred thousand events a round).
 */
async function keycardWithTokens(records = 10_000) {
  let audited = 0;
  const keycard = createKeycard({
    prefix: PREFIX,
    scopes: defineScopes({ read: {}, write: {} }),
    rateLimit: HUGE,
    audit: { write: () => void audited++ },
  });
  let token;
  for (let i = 0; i < records; i++) {
    const issued = await keycard.issue({
      ownerId: `user_${i % 500}`,
      label: `bench ${i}`,
      scopes: ['read'],
      expiresIn: '365d',
    });
    if (i === 4242 % records) token = issued.token;
  }
  return { keycard, token, audited: () => audited };
}

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

/** The part every server shares: start, CPU readings, close. */
async function serve(server, extra = {}) {
  const port = await listen(server);
  return {
    info: { port, ...extra.info },
    /** CPU time of this process so far (µs), for CPU time per request. */
    stats: () => ({ cpu: process.cpuUsage(), audited: extra.audited?.() ?? null }),
    round() {
      throw new Error('HTTP servers are loaded from the orchestrator');
    },
    close: () => new Promise((resolve) => server.close(() => resolve(extra.close?.()))),
  };
}

const nodeJson = (res, status = 200, headers) => {
  res.writeHead(
    status,
    headers ? { 'content-type': 'application/json', ...headers } : { 'content-type': 'application/json' },
  );
  res.end(BODY);
};

// ── node:http ────────────────────────────────────────────────────────────────────────────────

async function nodeBare() {
  return serve(http.createServer((req, res) => nodeJson(res)));
}

/** node:http + the floor (lib/floor.js) over 10,000 tokens including `token`: the noise reference. */
async function nodeFloor({ token }) {
  const floor = floorPipeline([token, ...others()], { prefix: PREFIX, limit: HUGE.limit, windowSeconds: HUGE.window });
  return serve(
    http.createServer((req, res) => {
      const r = floor.check(req.method, req.url, req.headers.authorization, SCOPE_READ);
      if (typeof r === 'number') return nodeJson(res, r);
      nodeJson(res);
    }),
    { audited: floor.audited },
  );
}

/** node:http + `keycard.authenticate(req)`: the Node request has the `method`, `url` and `headers` it reads. */
async function nodeKeycard() {
  const { keycard, token, audited } = await keycardWithTokens();
  return serve(
    http.createServer(async (req, res) => {
      const r = await keycard.authenticate(req, REQUIREMENT);
      if (!r.ok) {
        res.writeHead(r.skip ? 401 : r.status, r.skip ? {} : r.headers);
        return res.end(r.skip ? '' : r.body);
      }
      nodeJson(res, 200, r.headers);
    }),
    { info: { token }, audited, close: () => keycard.close() },
  );
}

// ── Express 5 ────────────────────────────────────────────────────────────────────────────────

async function expressApp() {
  const { default: express } = await import('express');
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  return app;
}

async function expressBare() {
  const app = await expressApp();
  app.get('/tickets', (req, res) => res.json({ tickets: [] }));
  return serve(http.createServer(app));
}

async function expressKeycard() {
  const { expressGuard } = await import('../../dist/express.js');
  const { keycard, token, audited } = await keycardWithTokens();
  const app = await expressApp();
  const guard = expressGuard(keycard);
  app.get('/tickets', guard(REQUIREMENT), (req, res) => res.json({ tickets: [] }));
  return serve(http.createServer(app), { info: { token }, audited, close: () => keycard.close() });
}

/**
 * The peer stack on Express: a hand-written bearer check (SHA-256 of the token, looked up in a map
 * of 10,000 hashed keys) and `express-rate-limit` keyed by the key's id, with draft-8 headers.
 */
async function expressPeer({ token }) {
  const { rateLimit } = await import('express-rate-limit');
  const keys = new Map();
  [token, ...others()].forEach((t, i) =>
    keys.set(createHash('sha256').update(t).digest('hex'), { id: `key_${i}`, scopes: ['read'] }),
  );
  const app = await expressApp();
  const bearer = (req, res, next) => {
    const h = req.headers.authorization;
    if (!h || !h.startsWith('Bearer ')) return res.status(401).json({ error: 'missing_token' });
    const key = keys.get(createHash('sha256').update(h.slice(7)).digest('hex'));
    if (!key) return res.status(401).json({ error: 'invalid_token' });
    if (!key.scopes.includes('read')) return res.status(403).json({ error: 'insufficient_scope' });
    req.apiKey = key;
    next();
  };
  const limit = rateLimit({
    windowMs: HUGE.window * 1000,
    limit: HUGE.limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => req.apiKey.id,
  });
  app.get('/tickets', bearer, limit, (req, res) => res.json({ tickets: [] }));
  return serve(http.createServer(app));
}

// ── Hono on @hono/node-server ────────────────────────────────────────────────────────────────

async function honoServe(app, extra) {
  const { createAdaptorServer } = await import('@hono/node-server');
  return serve(createAdaptorServer({ fetch: app.fetch }), extra);
}

async function honoBare() {
  const { Hono } = await import('hono');
  const app = new Hono();
  app.get('/tickets', (c) => c.json({ tickets: [] }));
  return honoServe(app);
}

async function honoKeycard() {
  const { Hono } = await import('hono');
  const { honoGuard } = await import('../../dist/hono.js');
  const { keycard, token, audited } = await keycardWithTokens();
  const app = new Hono();
  app.get('/tickets', honoGuard(keycard, REQUIREMENT), (c) => c.json({ tickets: [] }));
  return honoServe(app, { info: { token }, audited, close: () => keycard.close() });
}

/** The peer on Hono: `hono/bearer-auth` with the one token (it compares SHA-256 digests made with WebCrypto). */
async function honoPeer({ token }) {
  const { Hono } = await import('hono');
  const { bearerAuth } = await import('hono/bearer-auth');
  const app = new Hono();
  app.get('/tickets', bearerAuth({ token }), (c) => c.json({ tickets: [] }));
  return honoServe(app);
}

export const contenders = {
  nodeBare,
  nodeFloor,
  nodeKeycard,
  expressBare,
  expressKeycard,
  expressPeer,
  honoBare,
  honoKeycard,
  honoPeer,
};
