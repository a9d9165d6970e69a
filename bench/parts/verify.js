// bench part: verify.

import { join } from 'node:path';
import { group, median } from '../lib/common.js';
import { alternate, startWorkers, stopWorkers } from '../lib/pool.js';
import { CONFIG, log, tmp } from '../lib/context.js';
import { nsColumn, nsPerOp, ratioColumn, roundsTable, section, series, statFooter, target } from '../lib/report.js';

// ── part 1: verify, in process ───────────────────────────────────────────────────────────────

export async function partVerify() {
  log('part 1: verify, in process');
  const fixture = join(tmp, 'verify-fixture.json');
  const module = 'verify.js';
  // keycard first: it issues the 100,000 records and writes them (and the probes) for the others.
  const first = await startWorkers(
    [
      { key: 'keycard', label: 'keycard authenticate', module, name: 'keycard', params: { fixture } },
      { key: 'direct', label: 'keycard authenticate.direct', module, name: 'keycard', params: { mode: 'direct' } },
      { key: 'ba1', label: 'better-auth, 1 key', module, name: 'betterAuth', params: { keys: 1 } },
      { key: 'ba1000', label: 'better-auth, 1,000 keys', module, name: 'betterAuth', params: { keys: 1000 } },
    ],
    log,
  );
  const rest = await startWorkers(
    [
      { key: 'floor', label: 'floor', module, name: 'floor', params: { fixture } },
      { key: 'peer', label: 'peer pipeline', module, name: 'peer', params: { fixture } },
      ...(CONFIG.diagnostics
        ? [
            { key: 'noAudit', label: 'keycard, no audit sink', module, name: 'keycard', params: { audit: false } },
            {
              key: 'bigCache',
              label: 'keycard, cacheSize 100,000',
              module,
              name: 'keycard',
              params: { cacheSize: 100_000 },
            },
            { key: 'hot', label: 'keycard, one hot token', module, name: 'keycard', params: { mode: 'hot' } },
            {
              key: 'requestId',
              label: 'keycard, X-Request-Id',
              module,
              name: 'keycard',
              params: { requestId: true },
            },
            { key: 'miss', label: 'keycard, store miss', module, name: 'keycard', params: { mode: 'miss' } },
            { key: 'verifyOnly', label: 'keycard.verify(token)', module, name: 'keycard', params: { mode: 'verify' } },
            { key: 'await', label: 'floor step: await', module, name: 'stepFloor', params: { step: 'await', fixture } },
            {
              key: 'sha256',
              label: 'floor step: sha256',
              module,
              name: 'stepFloor',
              params: { step: 'sha256', fixture },
            },
            {
              key: 'mapGet',
              label: 'floor step: Map.get',
              module,
              name: 'stepFloor',
              params: { step: 'mapGet', fixture },
            },
          ]
        : []),
    ],
    log,
  );
  const entries = [...first, ...rest];
  const { rows, n } = await alternate(entries, {
    warmups: CONFIG.warmups,
    rounds: CONFIG.rounds,
    targetMs: CONFIG.verifyMs,
    log,
    name: 'verify',
  });
  await stopWorkers(entries);

  const r = (a, b) => (row) => nsPerOp(row[a]) / nsPerOp(row[b]);
  const kcFloor = series(rows, r('keycard', 'floor'));
  const directFloor = series(rows, r('direct', 'floor'));
  const peerDirect = series(rows, r('peer', 'direct'));
  const peerKc = series(rows, r('peer', 'keycard'));
  const ba1Kc = series(rows, r('ba1', 'keycard'));
  const ba1000Kc = series(rows, r('ba1000', 'keycard'));
  target('1 verify', 'keycard `authenticate()` ≤ 1.5 × the floor', kcFloor, 'x', kcFloor.median <= 1.5);
  target('1 verify', 'keycard ≥ 1.6 × faster than the peer pipeline', peerKc, 'x', peerKc.median >= 1.6);
  target(
    '1 verify',
    "keycard `authenticate.direct()` (the adapters' path) ≤ 2.0 × the floor (issue 14)",
    directFloor,
    'x',
    directFloor.median <= 2.0,
  );
  target(
    '1 verify',
    'keycard `authenticate.direct()` faster than the peer pipeline (issue 14)',
    peerDirect,
    'x',
    peerDirect.median > 1,
  );
  target('1 verify', 'keycard ≥ 100 × faster than better-auth, 1 key', ba1Kc, 'x', ba1Kc.median >= 100);
  target('1 verify', 'keycard ≥ 1,000 × faster than better-auth, 1,000 keys', ba1000Kc, 'x', ba1000Kc.median >= 1000);

  const storeReads = median(rows.map((row) => row.keycard.storeReads / row.keycard.ops));
  const main = [
    nsColumn('keycard', 'keycard'),
    nsColumn('direct', 'keycard direct'),
    nsColumn('floor', 'floor'),
    nsColumn('peer', 'peer'),
    nsColumn('ba1', 'better-auth 1 key'),
    nsColumn('ba1000', 'better-auth 1,000 keys'),
    ratioColumn('keycard ÷ floor', r('keycard', 'floor')),
    ratioColumn('direct ÷ floor', r('direct', 'floor')),
    ratioColumn('peer ÷ direct', r('peer', 'direct')),
    ratioColumn('peer ÷ keycard', r('peer', 'keycard')),
    ratioColumn('better-auth 1 ÷ keycard', r('ba1', 'keycard')),
    ratioColumn('better-auth 1,000 ÷ keycard', r('ba1000', 'keycard')),
  ];
  const blocks = [
    [
      "keycard: `await keycard.authenticate(request, { scope: 'read' })` with every check on — bearer parsing, prefix and CRC-32, SHA-256, the verified-record cache over the memory store (default sizes: 10,000 cached records), expiry and revocation, the memory limiter (`rateLimit: { limit: 1e9, window: 60 }`, nothing refused), rate-limit headers, the scope check and an audit event to a `memoryAuditSink()` (cleared between rounds) — over **100,000 records** issued through `issue()`, probed by **10,000 of their tokens in a shuffled order** (a new permutation per pass), a fresh `{ method, url, headers }` object per call (authenticate memoises per request object). No `X-Request-Id`, so each request also gets a generated id (a random prefix drawn once per process and a counter). Before the rounds, each probe token is used once, untimed, as in a server that has been up for a while: the rounds time the cache's steady state, and a first use (a store read) is the diagnostic 'store miss' column.",
      "keycard direct: the same, through `keycard.authenticate.direct(request, { scope: 'read' })` — the adapters' path, which answers a cached token without a promise (awaited only when it returns one); its own 100,000 records.",
      "floor: the same records and probes through the synchronous hand-written pipeline of `lib/floor.js` — bearer header, prefix and CRC-32, `crypto.hash('sha256')`, `Map.get` over the 100,000 records, expiry and revocation, a bitmask scope test, a two-bucket window counter in the record, an audit event object pushed into a 4,096-slot ring.",
      "peer: the same records and probes through a pipeline assembled from peers — `createHash('sha256')`, an `lru-cache` (10,000 entries) in front of a `Map` of the 100,000 records, expiry and revocation, a `Set` scope check, and `rate-limiter-flexible` `RateLimiterMemory` per token (awaited).",
      "better-auth: 1.7.5 with `@better-auth/api-key` 1.7.5 on its memory adapter, `await auth.api.verifyApiKey({ body: { key, permissions: { tickets: ['read'] } } })` with 1 key, and with 1,000 keys probed in a shuffled order; keys created through `createApiKey` with that permission and a per-key rate limit of 1e9 per 60 s (its limiter writes the key's row on every call).",
      `Batch sizes after calibration: ${entries.map((e) => `${e.label} ${group(n[e.key])}`).join(', ')}. keycard read the store on **${(storeReads * 100).toFixed(0)} %** of its requests (verified-record cache misses).`,
    ].join('\n\n'),
    roundsTable(rows, main, statFooter(rows)),
  ];
  if (CONFIG.diagnostics) {
    const diag = [
      nsColumn('noAudit', 'no audit sink'),
      nsColumn('bigCache', 'cacheSize 100k'),
      nsColumn('hot', 'one hot token'),
      nsColumn('requestId', 'X-Request-Id'),
      nsColumn('miss', 'store miss'),
      nsColumn('verifyOnly', 'verify(token)'),
      nsColumn('await', 'await no-op'),
      nsColumn('sha256', 'sha256'),
      nsColumn('mapGet', 'Map.get 100k'),
      ratioColumn('verify ÷ floor', r('verifyOnly', 'floor')),
      ratioColumn('keycard ÷ no audit', r('keycard', 'noAudit')),
      ratioColumn('keycard ÷ cache 100k', r('keycard', 'bigCache')),
      ratioColumn('hot ÷ keycard', r('hot', 'keycard')),
      ratioColumn('X-Request-Id ÷ keycard', r('requestId', 'keycard')),
      ratioColumn('miss ÷ keycard', r('miss', 'keycard')),
    ];
    const bigCacheReads = median(rows.map((row) => row.bigCache.storeReads / row.bigCache.ops));
    blocks.push(
      '### Diagnostics (same rounds, keycard variants and single steps)',
      `Each a process of its own, alternated with the contenders above: keycard with no audit sink; keycard with \`cacheSize: 100_000\` (store reads on ${(bigCacheReads * 100).toFixed(0)} % of requests); every request carrying one hot token among the 100,000; every request also sending an \`X-Request-Id\` (a UUID per probe token, which \`requestIdFrom\` checks and keeps); every request carrying a token never used before (the store-miss path: a read of the memory store, the entry, identity and limiter slot built); \`keycard.verify(token)\` alone (the lookup half: no header, limiter, headers or audit); and three single steps of the floor — an awaited async no-op, \`crypto.hash('sha256', token, 'hex')\`, \`Map.get\` over the 100,000 records with equal but distinct 64-character keys.`,
      roundsTable(rows, diag, statFooter(rows)),
    );
  }
  section('1. Verify, in process — keycard vs the floor, a peer pipeline and better-auth', ...blocks);
}
