// Part 1 — verify, in process: keycard's awaited `authenticate()` against the floor, a pipeline a
// user assembles from peers, and better-auth's API-key plugin. One contender per process (see
// lib/worker.js); `round(n)` times n calls on inputs built before the clock starts.

import { createHash, hash as cryptoHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createKeycard, defineScopes, memoryAuditSink, memoryTokenStore } from '../../dist/index.js';
import { flatStrings, now, prng, probeOrder, settle, shuffle, since } from '../lib/common.js';
import { floorPipeline, SCOPE_READ } from '../lib/floor.js';

const gc = globalThis.gc;
export const PREFIX = 'bench';
/** Nothing is ever refused: every call is charged and admitted. */
export const HUGE = { limit: 1_000_000_000, window: 60 };
const REQUIREMENT = Object.freeze({ scope: 'read' });

/**
 * The `Authorization` values of the probe tokens, built once as flat strings (a header a server
 * parsed is one flat string; a template literal would hand every contender a cons string to flatten).
 */
function headerValues(tokens, probes) {
  return flatStrings(probes.map((i) => `Bearer ${tokens[i]}`));
}

/**
 * `n` fresh request objects for the probe order of this round (fresh: authenticate memoises per
 * object); with `ids` (flat UUID strings, one per probe), each also carries that `X-Request-Id`.
 */
function requests(headers, n, seed, ids) {
  const order = probeOrder(headers.length, n, seed);
  const out = new Array(n);
  for (let i = 0; i < n; i++)
    out[i] = ids
      ? { method: 'GET', url: '/tickets', headers: { authorization: headers[order[i]], 'x-request-id': ids[order[i]] } }
      : { method: 'GET', url: '/tickets', headers: { authorization: headers[order[i]] } };
  return out;
}

/** Reads the records and probes written by the keycard contender. */
function fixture(file) {
  const { tokens, probes } = JSON.parse(readFileSync(file, 'utf8'));
  return { tokens: flatStrings(tokens), headers: headerValues(tokens, probes) };
}

/**
 * keycard with every check on: parse and CRC, SHA-256, the verified-record cache over the
 * memory store (default sizes), expiry and revocation, the memory limiter, rate-limit headers,
 * the scope check and an audit event to a `memoryAuditSink()`. Issues `records` tokens through
 * the public `issue()`, and writes them (with `probes` of them chosen at random) to `fixture`.
 * `audit: false` leaves the sink out, `cacheSize` overrides the cache, `mode: 'verify'` times
 * `keycard.verify(token)` instead, `mode: 'hot'` sends one token only, `mode: 'miss'` a token never used
 * before on every request (a store read), and `mode: 'direct'` calls
 * `authenticate.direct()` as the adapters do (a promise only when a step answered with one).
 * `requestId: true` sends an `X-Request-Id` (a UUID per probe token) with every request.
 */
async function keycardContender({
  records = 100_000,
  probes: probeCount = 10_000,
  fixture: file,
  audit = true,
  cacheSize,
  seed = 1,
  mode = 'authenticate',
  requestId = false,
}) {
  const sink = audit ? memoryAuditSink() : undefined;
  const store = memoryTokenStore();
  // Count store reads (cache misses) without changing the path: the store answers synchronously.
  let lookups = 0;
  const findByHash = store.findByHash.bind(store);
  store.findByHash = (hash) => {
    lookups++;
    return findByHash(hash);
  };
  const keycard = createKeycard({
    prefix: PREFIX,
    scopes: defineScopes({ read: {}, write: {} }),
    rateLimit: HUGE,
    store,
    ...(sink ? { audit: sink } : {}),
    ...(cacheSize !== undefined ? { cacheSize } : {}),
  });
  const list = [];
  for (let i = 0; i < records; i++) {
    const { token } = await keycard.issue({
      ownerId: `user_${i % 500}`,
      label: `bench ${i}`,
      scopes: ['read'],
      expiresIn: '365d',
    });
    list.push(token);
  }
  sink?.clear();
  const tokens = flatStrings(list);
  const probes = shuffle(
    Array.from({ length: records }, (_, i) => i),
    prng(seed),
  ).slice(0, probeCount);
  if (file) writeFileSync(file, JSON.stringify({ tokens, probes }));
  const headers = headerValues(tokens, probes);
  if (mode === 'verify') {
    // The lookup half alone: `keycard.verify(token)` on the probe tokens (no header, limiter, audit).
    const secrets = flatStrings(probes.map((i) => tokens[i]));
    return {
      info: { records, probes: probeCount, startN: 5000 },
      async round(n, round) {
        const order = probeOrder(secrets.length, n, 100 + round);
        gc();
        let ok = 0;
        const t0 = now();
        for (let i = 0; i < n; i++) if ((await keycard.verify(secrets[order[i]])).ok) ok++;
        const ns = since(t0);
        if (ok !== n) throw new Error(`verify accepted ${ok} of ${n}`);
        return { ns, ops: n };
      },
      close: () => keycard.close(),
    };
  }
  if (mode !== 'miss') {
    // A server that has run for a while: every probe token used once, untimed, so the rounds time
    // the cache's steady state (the first use of a token is the 'miss' mode's figure).
    for (const authorization of headers)
      await keycard.authenticate({ method: 'GET', url: '/tickets', headers: { authorization } });
    sink?.clear();
  }
  // mode 'miss': every request carries a token never used before (a store read, an entry built).
  const probed = new Set(probes);
  const unused =
    mode === 'miss'
      ? headerValues(
          tokens,
          tokens.map((_, i) => i).filter((i) => !probed.has(i)),
        )
      : [];
  let next = 0;
  const fresh = (n) => {
    const out = new Array(n);
    for (let i = 0; i < n; i++)
      out[i] = { method: 'GET', url: '/tickets', headers: { authorization: unused[next++ % unused.length] } };
    return out;
  };
  // mode 'hot': every request carries the same token (one busy agent among many quiet ones).
  const source = mode === 'hot' ? [headers[4242 % headers.length]] : headers;
  // requestId: every request also sends an `X-Request-Id` (a UUID per probe token), kept by requestIdFrom.
  const ids = requestId ? flatStrings(source.map(() => crypto.randomUUID())) : undefined;
  // mode 'direct': the adapters' path, `authenticate.direct()`, awaited only when it answers with a promise.
  const direct = mode === 'direct';
  return {
    info: { records, probes: probeCount, startN: 2000 },
    async round(n, round) {
      sink?.clear();
      let batch = mode === 'miss' ? fresh(n) : requests(source, n, 100 + round, ids);
      const before = lookups;
      gc();
      let ok = 0;
      const t0 = now();
      for (let i = 0; i < n; i++) {
        // Let go of each request once answered, as a server would (the per-request memo is a WeakMap).
        const request = batch[i];
        batch[i] = undefined;
        let r;
        if (direct) {
          r = keycard.authenticate.direct(request, REQUIREMENT);
          if (r instanceof Promise) r = await r;
          // A server yields between requests; with every answer synchronous, let the audit queue's
          // pump run now and then (its bound is 10,000 queued events, then it drops and reports).
          else if ((i & 1023) === 1023) await null;
        } else r = await keycard.authenticate(request, REQUIREMENT);
        if (r.ok) ok++;
      }
      const ns = since(t0);
      await settle();
      batch = null;
      if (ok !== n) throw new Error(`authenticate admitted ${ok} of ${n}`);
      if (sink && sink.events.length !== n)
        throw new Error(`audit sink got ${sink.events.length} events for ${n} requests`);
      sink?.clear();
      return { ns, ops: n, storeReads: lookups - before };
    },
    close: () => keycard.close(),
  };
}

/** The floor (lib/floor.js) over the same records and probes. */
async function floorContender({ fixture: file }) {
  const { tokens, headers } = fixture(file);
  const floor = floorPipeline(tokens, { prefix: PREFIX, limit: HUGE.limit, windowSeconds: HUGE.window });
  return {
    info: { startN: 20_000 },
    async round(n, round) {
      let batch = requests(headers, n, 100 + round);
      const audited = floor.audited();
      gc();
      let ok = 0;
      const t0 = now();
      for (let i = 0; i < n; i++) {
        const request = batch[i];
        batch[i] = undefined;
        const r = floor.check(request.method, request.url, request.headers.authorization, SCOPE_READ);
        if (typeof r === 'object') ok++;
      }
      const ns = since(t0);
      batch = null;
      if (ok !== n || floor.audited() - audited !== n) throw new Error(`floor admitted ${ok} of ${n}`);
      return { ns, ops: n };
    },
  };
}

/**
 * What a user assembles from peers: parse the bearer header, `createHash('sha256')`, an
 * `lru-cache` (10,000 entries) in front of the record map, expiry and revocation, a `Set` scope
 * check, and `rate-limiter-flexible`'s `RateLimiterMemory` per token.
 */
async function peerContender({ fixture: file }) {
  const { LRUCache } = await import('lru-cache');
  const { RateLimiterMemory } = await import('rate-limiter-flexible');
  const { tokens, headers } = fixture(file);
  const at = Date.now();
  const db = new Map();
  tokens.forEach((token, i) => {
    db.set(createHash('sha256').update(token).digest('hex'), {
      id: `tok_${i}`,
      scopes: new Set(['read']),
      expiresAt: at + 365 * 86_400_000,
      revokedAt: null,
    });
  });
  const cache = new LRUCache({ max: 10_000 });
  const limiter = new RateLimiterMemory({ points: HUGE.limit, duration: HUGE.window });

  async function check(request, scope) {
    const h = request.headers.authorization;
    if (typeof h !== 'string' || !h.startsWith('Bearer ')) return 401;
    const hash = createHash('sha256').update(h.slice(7)).digest('hex');
    let record = cache.get(hash);
    if (record === undefined) {
      record = db.get(hash);
      if (record === undefined) return 401;
      cache.set(hash, record);
    }
    if (record.revokedAt !== null || Date.now() >= record.expiresAt) return 401;
    try {
      await limiter.consume(record.id);
    } catch {
      return 429;
    }
    if (!record.scopes.has(scope)) return 403;
    return record;
  }

  return {
    info: { startN: 5000 },
    async round(n, round) {
      let batch = requests(headers, n, 100 + round);
      gc();
      let ok = 0;
      const t0 = now();
      for (let i = 0; i < n; i++) {
        const request = batch[i];
        batch[i] = undefined;
        if (typeof (await check(request, 'read')) === 'object') ok++;
      }
      const ns = since(t0);
      batch = null;
      if (ok !== n) throw new Error(`peer pipeline admitted ${ok} of ${n}`);
      return { ns, ops: n };
    },
  };
}

/**
 * better-auth 1.7.5 with @better-auth/api-key 1.7.5 on its memory adapter: `keys` keys created
 * through `auth.api.createApiKey`, each with a permission the verification asks for (its scope
 * check) and a per-key rate limit high enough never to refuse (its limiter, which writes the
 * key's row on every call).
 */
async function betterAuthContender({ keys = 1, seed = 3 }) {
  const { betterAuth } = await import('better-auth');
  const { memoryAdapter } = await import('better-auth/adapters/memory');
  const { apiKey } = await import('@better-auth/api-key');
  const db = { user: [], session: [], account: [], verification: [], apikey: [] };
  const auth = betterAuth({
    secret: 'bench-secret-bench-secret-bench-secret-0123',
    baseURL: 'http://127.0.0.1:3000',
    database: memoryAdapter(db),
    logger: { disabled: true },
    telemetry: { enabled: false },
    plugins: [apiKey({ rateLimit: { enabled: true, timeWindow: HUGE.window * 1000, maxRequests: HUGE.limit } })],
  });
  const created = new Date();
  db.user.push({
    id: 'user_1',
    name: 'Bench',
    email: 'bench@example.com',
    emailVerified: true,
    createdAt: created,
    updatedAt: created,
  });
  const list = [];
  for (let i = 0; i < keys; i++) {
    const r = await auth.api.createApiKey({
      body: { userId: 'user_1', name: `bench ${i}`, permissions: { tickets: ['read'] } },
    });
    list.push(r.key);
  }
  const secrets = flatStrings(list);
  const permissions = { tickets: ['read'] };
  const probes = Array.from({ length: keys }, (_, i) => i);
  return {
    info: { keys, startN: 200 },
    async round(n, round) {
      const order = probeOrder(keys, n, 300 + round + seed);
      let batch = new Array(n);
      for (let i = 0; i < n; i++) batch[i] = { body: { key: secrets[probes[order[i]]], permissions } };
      gc();
      let ok = 0;
      const t0 = now();
      for (let i = 0; i < n; i++) {
        const input = batch[i];
        batch[i] = undefined;
        const r = await auth.api.verifyApiKey(input);
        if (r.valid) ok++;
      }
      const ns = since(t0);
      await settle();
      batch = null;
      if (ok !== n) throw new Error(`better-auth accepted ${ok} of ${n}`);
      return { ns, ops: n };
    },
  };
}

/** Floors of single steps: an awaited async no-op, `crypto.hash('sha256')` of a token, `Map.get` over the records. */
async function stepFloor({ step, fixture: file }) {
  const { tokens } = fixture(file);
  const probes = tokens.slice(0, 10_000);
  const hashes = flatStrings(probes.map((t) => cryptoHash('sha256', t, 'hex')));
  const map = new Map(tokens.map((t) => [cryptoHash('sha256', t, 'hex'), { id: t.slice(-6) }]));
  // Equal but distinct string objects, as a freshly computed hash would be.
  const fresh = flatStrings(hashes);
  const f = async (x) => x;
  const loops = {
    await: async (n) => {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += await f(i & 1);
      return sum >= 0;
    },
    sha256: async (n) => {
      let sum = 0;
      for (let i = 0, j = 0; i < n; i++, j = j + 1 === probes.length ? 0 : j + 1)
        sum += cryptoHash('sha256', probes[j], 'hex').length;
      return sum === n * 64;
    },
    mapGet: async (n, order) => {
      let found = 0;
      for (let i = 0; i < n; i++) if (map.get(fresh[order[i]]) !== undefined) found++;
      return found === n;
    },
  };
  const loop = loops[step];
  return {
    info: { startN: 100_000 },
    async round(n, round) {
      const order = probeOrder(fresh.length, n, 700 + round);
      gc();
      const t0 = now();
      const done = await loop(n, order);
      const ns = since(t0);
      if (!done) throw new Error(`${step} did not do its work`);
      return { ns, ops: n };
    },
  };
}

export const contenders = {
  keycard: keycardContender,
  stepFloor,
  floor: floorContender,
  peer: peerContender,
  betterAuth: betterAuthContender,
};
