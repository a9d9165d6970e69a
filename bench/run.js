// keycard — benchmarks against the peers and the floor, measured side by side in one run (issue 8).
//
//   npm run bench               full run (≤ 12 min on 2 cores), writes bench/results.md
//   npm run bench -- --quick    smoke run (≤ 2 min), writes bench/results-quick.md (git-ignored)
//
// Options: --quick, --only=verify,limiter,memory,timeline,alloc,http,redis,audit,size (parts), --no-write (print only).
// Progress goes to stderr; the report (Markdown) goes to stdout and to the results file.
//
// How it measures. Every contender lives in its own process (lib/worker.js), set up once, so that
// none can change another's figures through the JIT's shared type feedback, a large heap or its
// garbage. Compared contenders are alternated: in each round every one of them runs one batch, in
// an order rotated from round to round, and each ratio is taken between batches of the same round;
// a figure is the median of those same-round ratios (with their min–max) over at least 5 rounds.
// A batch is a hand-rolled loop: it times N operations with process.hrtime.bigint() and reports
// ns/op = elapsed / N (several operations take tens of nanoseconds, where a per-iteration timer
// read would cost as much as the operation). N is calibrated in the warm-up rounds to a target
// batch time. Nothing here asserts a timing: the checks after each batch only make sure the work
// was done (every request admitted, every audit event delivered).

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { fmtB, fmtNs, fmtUs, fmtX, group, median } from './lib/common.js';
import { alternate, rotate, startWorkers, stopWorkers } from './lib/pool.js';

const started = Date.now();
const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const WRITE = !argv.includes('--no-write');
const PARTS = ['verify', 'limiter', 'memory', 'timeline', 'alloc', 'http', 'redis', 'audit', 'size'];
const ONLY =
  argv
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',')
    .filter(Boolean) ?? null;
if (ONLY && ONLY.some((p) => !PARTS.includes(p))) {
  console.error(`unknown part in --only; known: ${PARTS.join(', ')}`);
  process.exit(2);
}
const wanted = (part) => !ONLY || ONLY.includes(part);

/** Rounds and batch times. `--quick` keeps every shape (100,000 records, 10,000 keys, 50 connections) and cuts the time. */
const CONFIG = QUICK
  ? {
      mode: 'quick',
      warmups: 2,
      rounds: 5,
      verifyMs: 100,
      limiterMs: 50,
      memRepeats: 5,
      httpRounds: 5,
      httpSeconds: 1,
      httpWarmSeconds: 1,
      redisMs: 100,
      timelineSeconds: 15,
      allocRounds: 3,
      diagnostics: false,
    }
  : {
      mode: 'full',
      warmups: 3,
      rounds: 10,
      verifyMs: 250,
      limiterMs: 150,
      memRepeats: 5,
      httpRounds: 5,
      httpSeconds: 5,
      httpWarmSeconds: 2,
      redisMs: 400,
      timelineSeconds: 60,
      allocRounds: 5,
      diagnostics: true,
    };

const log = (...a) => console.error(...a);
const tmp = mkdtempSync(join(os.tmpdir(), 'keycard-bench-'));
const cleanups = [() => rmSync(tmp, { recursive: true, force: true })];
const cleanup = () => {
  while (cleanups.length) {
    try {
      cleanups.pop()();
    } catch {
      // best effort
    }
  }
};
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

// ── machine ──────────────────────────────────────────────────────────────────────────────────

const cpus = os.cpus();
const machine = {
  cpu: cpus[0]?.model?.trim() ?? 'unknown',
  cores: cpus.length,
  node: process.version,
  v8: process.versions.v8,
  platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
  date: new Date().toISOString(),
  source: sourceState(),
  loadBefore: os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' / '),
};
log(`keycard bench (${CONFIG.mode}) — ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}`);

/** The keycard commit measured, and whether src/ had uncommitted changes (dist/ is built from the work tree). */
function sourceState() {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const git = (...a) => spawnSync('git', ['-C', root, ...a], { encoding: 'utf8' });
  const head = git('rev-parse', '--short', 'HEAD');
  if (head.status !== 0) return 'unknown (not a git checkout)';
  const dirty = git('status', '--porcelain', '--', 'src', 'package.json', 'tsup.config.ts')
    .stdout.split('\n')
    .filter(Boolean).length;
  return `${head.stdout.trim()}${dirty ? ` + ${dirty} uncommitted change(s) under src/ and build config` : ' (clean)'}`;
}

// ── statistics of alternated rounds ──────────────────────────────────────────────────────────

const nsPerOp = (row) => row.ns / row.ops;

/** `{ median, min, max, values }` of a per-round series. */
function stat(values) {
  return { values, median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/**
 * A same-round ratio: `value(row)` per round, with a target `check(median)` and its wording.
 * `kind: 'x'` formats as a factor, `'us'` as microseconds (from ns), `'B'` as bytes.
 */
function series(rows, value) {
  return stat(rows.map(value));
}

const fmtStat = (s, kind) => {
  const f = kind === 'us' ? fmtUs : kind === 'B' ? fmtB : kind === 'ns' ? fmtNs : fmtX;
  const unit = kind === 'us' ? ' µs' : kind === 'B' ? ' B' : kind === 'ns' ? ' ns' : ' ×';
  return `**${f(s.median)}${unit}** (${f(s.min)}–${f(s.max)})`;
};

/** A Markdown table of per-round figures: `columns` = [{ title, value(row) → string }]. */
function roundsTable(rows, columns, footer = []) {
  const lines = [
    `| round | ${columns.map((c) => c.title).join(' | ')} |`,
    `|---:|${columns.map(() => '---:').join('|')}|`,
  ];
  rows.forEach((row, i) => lines.push(`| ${i + 1} | ${columns.map((c) => c.cell(row)).join(' | ')} |`));
  for (const f of footer) lines.push(`| ${f.label} | ${columns.map((c) => f.cell(c)).join(' | ')} |`);
  return lines.join('\n');
}

/** Median and min–max footer rows for columns that carry a numeric `value(row)` and a formatter. */
function statFooter(rows) {
  return [
    { label: '**median**', cell: (c) => (c.value ? `**${c.fmt(median(rows.map(c.value)))}**` : '') },
    {
      label: 'min–max',
      cell: (c) => (c.value ? `${c.fmt(Math.min(...rows.map(c.value)))}–${c.fmt(Math.max(...rows.map(c.value)))}` : ''),
    },
  ];
}

const nsColumn = (key, title) => ({
  title: `${title} ns/op`,
  value: (row) => nsPerOp(row[key]),
  fmt: fmtNs,
  cell: (row) => fmtNs(nsPerOp(row[key])),
});
const ratioColumn = (title, value) => ({ title, value, fmt: fmtX, cell: (row) => fmtX(value(row)) });

// ── the report ───────────────────────────────────────────────────────────────────────────────

const targets = []; // { part, target, measured, met }
const sections = [];
const section = (title, ...blocks) => sections.push([`## ${title}`, ...blocks].join('\n\n'));
const target = (part, wording, s, kind, met) =>
  targets.push({ part, wording, measured: s ? fmtStat(s, kind) : 'not measured', met });

// ── part 1: verify, in process ───────────────────────────────────────────────────────────────

async function partVerify() {
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
      "keycard: `await keycard.authenticate(request, { scope: 'read' })` with every check on — bearer parsing, prefix and CRC-32, SHA-256, the verified-record cache over the memory store (default sizes: 10,000 cached records), expiry and revocation, the memory limiter (`rateLimit: { limit: 1e9, window: 60 }`, nothing refused), rate-limit headers, the scope check and an audit event to a `memoryAuditSink()` (cleared between rounds) — over **100,000 records** issued through `issue()`, probed by **10,000 of their tokens in a shuffled order** (a new permutation per pass), a fresh `{ method, url, headers }` object per call (authenticate memoises per request object). No `X-Request-Id`, so each request also draws a UUID. Before the rounds, each probe token is used once, untimed, as in a server that has been up for a while: the rounds time the cache's steady state, and a first use (a store read) is the diagnostic 'store miss' column.",
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
      nsColumn('miss', 'store miss'),
      nsColumn('verifyOnly', 'verify(token)'),
      nsColumn('await', 'await no-op'),
      nsColumn('sha256', 'sha256'),
      nsColumn('mapGet', 'Map.get 100k'),
      ratioColumn('verify ÷ floor', r('verifyOnly', 'floor')),
      ratioColumn('keycard ÷ no audit', r('keycard', 'noAudit')),
      ratioColumn('keycard ÷ cache 100k', r('keycard', 'bigCache')),
      ratioColumn('hot ÷ keycard', r('hot', 'keycard')),
      ratioColumn('miss ÷ keycard', r('miss', 'keycard')),
    ];
    const bigCacheReads = median(rows.map((row) => row.bigCache.storeReads / row.bigCache.ops));
    blocks.push(
      '### Diagnostics (same rounds, keycard variants and single steps)',
      `Each a process of its own, alternated with the contenders above: keycard with no audit sink; keycard with \`cacheSize: 100_000\` (store reads on ${(bigCacheReads * 100).toFixed(0)} % of requests); every request carrying one hot token among the 100,000; every request carrying a token never used before (the store-miss path: a read of the memory store, the entry, identity and limiter slot built); \`keycard.verify(token)\` alone (the lookup half: no header, limiter, headers or audit); and three single steps of the floor — an awaited async no-op, \`crypto.hash('sha256', token, 'hex')\`, \`Map.get\` over the 100,000 records with equal but distinct 64-character keys.`,
      roundsTable(rows, diag, statFooter(rows)),
    );
  }
  section('1. Verify, in process — keycard vs the floor, a peer pipeline and better-auth', ...blocks);
}

// ── part 2: limiter alone, and bytes per key ─────────────────────────────────────────────────

const LIMITERS = [
  { key: 'keycard', label: 'keycard `memoryLimiter()`' },
  { key: 'floor', label: 'floor (two-bucket window)' },
  { key: 'rlf', label: 'rate-limiter-flexible `RateLimiterMemory`' },
  { key: 'erl', label: 'express-rate-limit `MemoryStore`' },
  { key: 'hrl', label: 'hono-rate-limiter `MemoryStore`' },
];

async function partLimiter() {
  log('part 2: limiter alone');
  const blocks = [
    "Each limiter through its own public API, one admission per call under a limit of 1e9 per 60 s (nothing refused): keycard `memoryLimiter().consume(key, 1e9, 60)` (synchronous); the floor's two-bucket window (`lib/floor.js`, a `Map` from key to `{ start, prev, curr }`, synchronous); rate-limiter-flexible `RateLimiterMemory.consume(key)` (a promise, awaited); express-rate-limit `MemoryStore.increment(key)` (a promise, awaited) and hono-rate-limiter `MemoryStore.increment(key)` (synchronous), each compared with the limit as their middleware does. Keys are `tok_<22 base62>:all` (the shape keycard charges), charged round-robin, all tracked before the first round.",
  ];
  for (const keys of [1, 10_000]) {
    const entries = await startWorkers(
      LIMITERS.map((l) => ({
        key: l.key,
        label: `${l.label}, ${group(keys)} key${keys > 1 ? 's' : ''}`,
        module: 'limiter.js',
        name: l.key,
        params: { keys },
      })),
      log,
    );
    const { rows } = await alternate(entries, {
      warmups: CONFIG.warmups,
      rounds: CONFIG.rounds,
      targetMs: CONFIG.limiterMs,
      log,
      name: `limiter, ${keys} keys`,
    });
    await stopWorkers(entries);
    const r = (a, b) => (row) => nsPerOp(row[a]) / nsPerOp(row[b]);
    const kcFloor = series(rows, r('keycard', 'floor'));
    target(
      '2 limiter',
      `keycard limiter ≤ 1.5 × the floor's window per call, ${group(keys)} key${keys > 1 ? 's' : ''}`,
      kcFloor,
      'x',
      kcFloor.median <= 1.5,
    );
    blocks.push(
      `### ${group(keys)} key${keys > 1 ? 's' : ''}`,
      roundsTable(
        rows,
        [
          ...LIMITERS.map((l) =>
            nsColumn(l.key, l.key === 'keycard' ? 'keycard' : l.key === 'floor' ? 'floor' : l.key.toUpperCase()),
          ),
          ratioColumn('keycard ÷ floor', r('keycard', 'floor')),
          ratioColumn('RLF ÷ keycard', r('rlf', 'keycard')),
          ratioColumn('ERL ÷ keycard', r('erl', 'keycard')),
          ratioColumn('HRL ÷ keycard', r('hrl', 'keycard')),
        ],
        statFooter(rows),
      ),
    );
  }
  blocks.push(
    'RLF = rate-limiter-flexible `RateLimiterMemory`, ERL = express-rate-limit `MemoryStore`, HRL = hono-rate-limiter `MemoryStore`. A ratio X ÷ keycard above 1 means keycard is faster.',
  );
  section('2. Limiter alone — per call', ...blocks);
}

async function partMemory() {
  log('part 2: bytes per tracked key');
  const entries = await startWorkers(
    LIMITERS.map((l) => ({
      key: l.key,
      label: `${l.label}, bytes per key`,
      module: 'limiter.js',
      name: `${l.key}Memory`,
      params: { keys: 100_000 },
      startN: 1,
    })),
    log,
  );
  const { rows } = await alternate(entries, {
    warmups: 1,
    rounds: CONFIG.memRepeats,
    targetMs: 1,
    log,
    name: 'bytes per key',
  });
  await stopWorkers(entries);
  const kc = series(rows, (row) => row.keycard.bytesPerKey);
  target('2 limiter', 'keycard ≤ 128 bytes per tracked (token, class), 100,000 keys', kc, 'B', kc.median <= 128);
  const cols = LIMITERS.map((l) => ({
    title: `${l.key === 'keycard' || l.key === 'floor' ? l.key : l.key.toUpperCase()} B/key (heap + array buffers)`,
    value: (row) => row[l.key].bytesPerKey,
    fmt: fmtB,
    cell: (row) => `${fmtB(row[l.key].bytesPerKey)} (${fmtB(row[l.key].heapPerKey)} + ${fmtB(row[l.key].abPerKey)})`,
  }));
  section(
    '2. Limiter alone — bytes retained per tracked (token, class), 100,000 keys',
    "`process.memoryUsage()` heapUsed + arrayBuffers after two `gc()`, before and after creating a fresh limiter and charging each of 100,000 keys once (awaited where the API is async); the key strings are built (flat, hashed) before the first reading and kept alive, so they are not counted — a key a library builds for itself (rate-limiter-flexible prefixes each one) is its own state and is counted. Delta ÷ 100,000, one repeat per round, a fresh limiter each time. keycard's part in array buffers is its 56-byte slots (plus the partly used last page); rate-limiter-flexible also holds one timer per key.",
    roundsTable(rows, cols, statFooter(rows)),
  );
}

// ── part 2b: the limiter's cost over time (a deoptimisation shows as a cliff) ────────────────

/**
 * keycard's limiter and the floor's window in two processes, batches of about 250 ms alternated
 * for `timelineSeconds` of wall time from the processes' start (V8's type feedback, and so any
 * deoptimisation, follows process age), bucketed by second since set-up.
 */
async function partTimeline() {
  log('part 2b: limiter cost over time');
  const keys = 10_000;
  const seconds = CONFIG.timelineSeconds;
  const blocks = [
    `keycard \`memoryLimiter().consume(key, 1e9, 60)\` and the floor's two-bucket window over ${group(keys)} keys round-robin (as in part 2), each in a fresh process, batches of about 250 ms alternated for ${seconds} s of wall time from set-up; each batch is filed under the second (since set-up) in which it ended, and a second's figure is the median of its batches. A 60 s window has 6 s sub-windows, so a limiter whose code changes its types at a sub-window boundary (the ring advancing) deoptimises about 6 s in: that is the cliff this part is for. Flat: the median keycard ÷ floor ratio of the last 10 s within 1.25 × that of seconds 1–3 (after the first second's warm-up, before the processes — about 2 s old at set-up — reach the first sub-window boundary at 6 s).`,
  ];
  const entries = await startWorkers(
    ['keycard', 'floor'].map((key) => ({
      key,
      label: `${key} limiter over time`,
      module: 'limiter.js',
      name: key,
      params: { keys },
    })),
    log,
  );
  const start = Date.now();
  const n = { keycard: 100_000, floor: 100_000 };
  const bySecond = new Map(); // second → { keycard: [ns/op], floor: [ns/op] }
  for (let r = 0; Date.now() - start < seconds * 1000; r++) {
    for (const e of rotate(entries, r)) {
      const row = await e.worker.round(n[e.key], r);
      n[e.key] = Math.max(1000, Math.round((n[e.key] * 250e6) / row.ns));
      const second = Math.floor((Date.now() - start) / 1000);
      if (second >= seconds) continue;
      const at = bySecond.get(second) ?? { keycard: [], floor: [] };
      at[e.key].push(nsPerOp(row));
      bySecond.set(second, at);
    }
  }
  await stopWorkers(entries);
  const rows = [...bySecond.entries()]
    .filter(([, v]) => v.keycard.length > 0 && v.floor.length > 0)
    .sort((a, b) => a[0] - b[0])
    .map(([second, v]) => ({ second, keycard: median(v.keycard), floor: median(v.floor) }))
    .map((row) => ({ ...row, ratio: row.keycard / row.floor }));
  const span = (from, to) => rows.filter((row) => row.second >= from && row.second < to);
  const summary = (part) => ({
    keycard: median(part.map((row) => row.keycard)),
    floor: median(part.map((row) => row.floor)),
    ratio: median(part.map((row) => row.ratio)),
  });
  const first = summary(span(1, 4)); // after the first second (warm-up), before the process is 6 s old (set-up takes about 2 s)
  const last = summary(span(seconds - 10, seconds));
  const drift = last.ratio / first.ratio;
  target(
    '2b timeline',
    `keycard limiter flat over ${seconds} s (${group(keys)} keys): median keycard ÷ floor of the last 10 s ≤ 1.25 × that of seconds 1–3`,
    { median: drift, min: drift, max: drift },
    'x',
    drift <= 1.25,
  );
  blocks.push(
    `| seconds | keycard ns/op | floor ns/op | keycard ÷ floor |\n|---|---:|---:|---:|\n` +
      [
        [`seconds 1–3`, first],
        [`last 10 s (${seconds - 10}–${seconds - 1})`, last],
      ]
        .map(([label, v]) => `| ${label} | ${fmtNs(v.keycard)} | ${fmtNs(v.floor)} | ${fmtX(v.ratio)} |`)
        .join('\n') +
      `\n| last ÷ 1–3 | ${fmtX(last.keycard / first.keycard)} | ${fmtX(last.floor / first.floor)} | ${fmtX(drift)} |`,
    `| second | keycard ns/op | floor ns/op | keycard ÷ floor |\n|---:|---:|---:|---:|\n` +
      rows
        .map((row) => `| ${row.second} | ${fmtNs(row.keycard)} | ${fmtNs(row.floor)} | ${fmtX(row.ratio)} |`)
        .join('\n'),
  );
  section(`2b. Limiter cost over time — per second, ${seconds} s`, ...blocks);
}

// ── part 2c: bytes allocated per call ────────────────────────────────────────────────────────

/**
 * Bytes allocated per operation, for any contender whose `round(n)` calls `gc()` before its loop
 * (they all do): see the allocation probe in lib/worker.js. To measure another operation, add an
 * entry to ALLOC — e.g. `{ key: 'authenticate', label: 'keycard authenticate()', module:
 * 'verify.js', name: 'keycard', params: {}, budget: 32 << 20 }`.
 */
const ALLOC = [
  {
    key: 'keycard',
    label: 'keycard `memoryLimiter().consume()`, 10,000 keys',
    module: 'limiter.js',
    name: 'keycard',
    params: { keys: 10_000 },
  },
  {
    key: 'floor',
    label: 'floor two-bucket window, 10,000 keys',
    module: 'limiter.js',
    name: 'floor',
    params: { keys: 10_000 },
  },
  {
    key: 'keycard1',
    label: 'keycard `memoryLimiter().consume()`, 1 key',
    module: 'limiter.js',
    name: 'keycard',
    params: { keys: 1 },
  },
  { key: 'floor1', label: 'floor two-bucket window, 1 key', module: 'limiter.js', name: 'floor', params: { keys: 1 } },
];
/** Bytes the loop may allocate: a quarter of the fixed 64 MiB young generation, so no scavenge runs. */
const ALLOC_BUDGET = 16 << 20;

async function partAlloc() {
  log('part 2c: bytes allocated per call');
  const entries = await startWorkers(
    ALLOC.map((a) => ({
      ...a,
      execArgv: ['--min-semi-space-size=64', '--max-semi-space-size=64'],
      args: ['--alloc-probe'],
    })),
    log,
  );
  // Timed warm-up batches first, so the figures are those of optimised code, as in part 2.
  await alternate(entries, {
    warmups: CONFIG.warmups,
    rounds: 0,
    targetMs: CONFIG.limiterMs,
    log,
    name: 'alloc warm-up',
  });
  const n = Object.fromEntries(entries.map((e) => [e.key, 1000]));
  const rows = [];
  for (let r = -1; r < CONFIG.allocRounds; r++) {
    const row = {};
    for (const e of rotate(entries, r + 1)) {
      const got = await e.worker.alloc(n[e.key]);
      // Size the next batch to the budget; the first (r = −1) only calibrates.
      n[e.key] = Math.max(1000, Math.min(1_000_000, Math.floor(ALLOC_BUDGET / Math.max(8, got.bytesPerOp))));
      row[e.key] = got;
    }
    if (r >= 0) rows.push(row);
  }
  await stopWorkers(entries);
  const spoiled = rows.flatMap((row) => Object.entries(row).filter(([, v]) => v.gcs > 0)).length;
  const cols = ALLOC.map((a) => ({
    title: `${a.label} B/op`,
    value: (row) => row[a.key].bytesPerOp,
    fmt: fmtB,
    cell: (row) => `${fmtB(row[a.key].bytesPerOp)}${row[a.key].gcs > 0 ? ' (GC ran: discard)' : ''}`,
  }));
  const kc = series(rows, (row) => row.keycard.bytesPerOp);
  target(
    '2c alloc',
    'keycard limiter bytes allocated per call, 10,000 keys (reported; goal: the decision object only)',
    kc,
    'B',
    null,
  );
  section(
    '2c. Bytes allocated per call',
    `Each operation in its own process with a fixed 64 MiB young generation; after ${CONFIG.warmups} timed warm-up batches, each round runs one batch of n calls (n sized so the batch allocates about 16 MiB) and reads V8's used heap right after the contender's own \`gc()\` and right after its loop: the difference ÷ n is every byte the loop allocated, garbage included. \`v8.GCProfiler\` proves no collection ran in between (${spoiled === 0 ? 'none did' : `${spoiled} reading(s) spoiled by a collection`}). Includes the harness loop's own share (nothing for these synchronous loops). How to add an operation (\`authenticate\`): lib/worker.js (the probe) and ALLOC in run.js.`,
    roundsTable(rows, cols, statFooter(rows)),
  );
}

// ── part 3: HTTP ─────────────────────────────────────────────────────────────────────────────

const HTTP_GROUPS = [
  {
    key: 'node',
    title: '`node:http`',
    servers: [
      ['nodeBare', 'bare'],
      ['nodeFloor', 'floor'],
      ['nodeKeycard', 'keycard'],
    ],
    auth: ['nodeFloor', 'nodeKeycard'],
    limit: 6,
  },
  {
    key: 'express',
    title: 'Express 5',
    servers: [
      ['expressBare', 'bare'],
      ['expressKeycard', 'keycard'],
      ['expressPeer', 'peer'],
    ],
    auth: ['expressKeycard', 'expressPeer'],
    limit: 15,
  },
  {
    key: 'hono',
    title: 'Hono (`@hono/node-server`)',
    servers: [
      ['honoBare', 'bare'],
      ['honoKeycard', 'keycard'],
      ['honoPeer', 'peer'],
    ],
    auth: ['honoKeycard', 'honoPeer'],
    limit: 6,
  },
];

async function load(port, token, seconds) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/tickets`,
    connections: 50,
    pipelining: 1,
    duration: seconds,
    headers: { authorization: `Bearer ${token}` },
  });
  const total = result.requests.total;
  if (result.errors || result.timeouts || result.non2xx || result['2xx'] !== total || total === 0) {
    throw new Error(
      `load on port ${port}: ${total} requests, ${result['2xx']} 2xx, ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  return { rps: total / result.duration, p99: result.latency.p99, total, seconds: result.duration };
}

async function partHttp() {
  log('part 3: HTTP');
  const module = 'http.js';
  // The keycard servers issue their tokens; each group's other servers are given that group's token.
  const keycards = await startWorkers(
    HTTP_GROUPS.map((g) => {
      const name = g.servers.find(([, role]) => role === 'keycard')[0];
      return { key: name, label: `${g.key} + keycard`, module, name, params: {} };
    }),
    log,
  );
  const tokenOf = Object.fromEntries(HTTP_GROUPS.map((g, i) => [g.key, keycards[i].info.token]));
  const others = await startWorkers(
    HTTP_GROUPS.flatMap((g) =>
      g.servers
        .filter(([, role]) => role !== 'keycard')
        .map(([name, role]) => ({
          key: name,
          label: `${g.key} ${role}`,
          module,
          name,
          params: { token: tokenOf[g.key] },
        })),
    ),
    log,
  );
  const servers = Object.fromEntries([...keycards, ...others].map((e) => [e.key, e]));
  const cpuMicros = (u) => u.user + u.system;

  async function measure(name, token, seconds) {
    const s = servers[name];
    const before = await s.worker.call('stats');
    const r = await load(s.info.port, token, seconds);
    const after = await s.worker.call('stats');
    const cpuNsPerReq = ((cpuMicros(after.cpu) - cpuMicros(before.cpu)) * 1000) / r.total;
    if (after.audited !== null && after.audited - before.audited < r.total)
      throw new Error(`${name}: ${after.audited - before.audited} audit events for ${r.total} requests`);
    return { ...r, cpuNsPerReq, busy: (cpuMicros(after.cpu) - cpuMicros(before.cpu)) / 1e6 / r.seconds };
  }

  for (const g of HTTP_GROUPS) {
    for (const [name] of g.servers) {
      await measure(name, tokenOf[g.key], CONFIG.httpWarmSeconds);
      log(`  http: warmed ${name}`);
    }
  }
  const rows = { node: [], express: [], hono: [] };
  for (let r = 0; r < CONFIG.httpRounds; r++) {
    for (const g of HTTP_GROUPS) {
      const row = {};
      for (const [name] of rotate(g.servers, r)) row[name] = await measure(name, tokenOf[g.key], CONFIG.httpSeconds);
      rows[g.key].push(row);
      log(
        `  http ${g.key}: round ${r + 1}/${CONFIG.httpRounds} ${g.servers.map(([n, role]) => `${role} ${group(row[n].rps)} req/s`).join(', ')}`,
      );
    }
  }
  await stopWorkers([...keycards, ...others]);

  const blocks = [
    `autocannon (in the orchestrating process) against each server in its own process on 127.0.0.1: 50 connections, no pipelining, \`GET /tickets\` with \`Authorization: Bearer <token>\` — one valid token on every request, the same for every server of a group (\`hono/bearer-auth\` takes a fixed list of tokens and hashes each candidate with WebCrypto, so a single token is its intended use) — ${CONFIG.httpRounds} alternated rounds of ${CONFIG.httpSeconds} s after a ${CONFIG.httpWarmSeconds} s warm-up of each server. Every response must be a 2xx. Each server answers \`{"tickets":[]}\`. keycard servers hold 10,000 issued tokens, the memory limiter (1e9 per 60 s) and a counting audit sink; the Express peer is a hand-written bearer check (SHA-256, a \`Map\` of 10,000 hashed keys, a scope test) followed by \`express-rate-limit\` (1e9 per 60 s, keyed by the key's id, draft-8 headers); the Hono peer is \`hono/bearer-auth\` with the token; node:http + floor runs the floor of part 1 over 10,000 tokens.`,
    'Per-request auth cost, per round: 1 / rps(auth) − 1 / rps(bare), from the same round. "server CPU" is the server process\'s CPU time (user + system) per request, and "busy" its CPU time over wall time: with the load generator on the other core, a bare server below ~0.9 busy means the load generator, not the server, set the pace, and the rps-based cost then under-reads; the CPU-based cost (CPU per request minus bare\'s) does not depend on who set the pace.',
  ];
  for (const g of HTTP_GROUPS) {
    const rs = rows[g.key];
    const bare = g.servers[0][0];
    const cost = (name) => (row) => (1 / row[name].rps - 1 / row[bare].rps) * 1e9; // ns
    const cpuCost = (name) => (row) => row[name].cpuNsPerReq - row[bare].cpuNsPerReq;
    const kcName = g.servers.find(([, role]) => role === 'keycard')[0];
    const otherName = g.auth.find((n) => n !== kcName);
    const otherRole = g.servers.find(([n]) => n === otherName)[1];
    const kcCost = series(rs, cost(kcName));
    target(
      '3 HTTP',
      `${g.title}: keycard auth cost ≤ ${g.limit} µs per request`,
      kcCost,
      'us',
      kcCost.median <= g.limit * 1000,
    );
    if (otherRole === 'peer') {
      const peerCost = series(rs, cost(otherName));
      const diff = series(rs, (row) => cost(otherName)(row) - cost(kcName)(row));
      target(
        '3 HTTP',
        `${g.title}: keycard below its peer stack (peer cost − keycard cost > 0; peer cost ${fmtUs(peerCost.median)} µs)`,
        diff,
        'us',
        diff.median > 0,
      );
    } else {
      const floorCost = series(rs, cost(otherName));
      targets.push({
        part: '3 HTTP',
        wording: `${g.title}: floor auth cost (the noise reference, not a target)`,
        measured: fmtStat(floorCost, 'us'),
        met: null,
      });
    }
    const columns = [
      ...g.servers.map(([n, role]) => ({
        title: `${role} req/s`,
        value: (row) => row[n].rps,
        fmt: group,
        cell: (row) => group(row[n].rps),
      })),
      ...g.servers.map(([n, role]) => ({
        title: `${role} p99 ms`,
        value: (row) => row[n].p99,
        fmt: (x) => x.toFixed(0),
        cell: (row) => String(row[n].p99),
      })),
      ...g.auth.map((n) => {
        const role = g.servers.find(([m]) => m === n)[1];
        return { title: `${role} cost µs`, value: cost(n), fmt: fmtUs, cell: (row) => fmtUs(cost(n)(row)) };
      }),
      ...g.servers.map(([n, role]) => ({
        title: `${role} server CPU µs/req (busy)`,
        value: (row) => row[n].cpuNsPerReq,
        fmt: fmtUs,
        cell: (row) => `${fmtUs(row[n].cpuNsPerReq)} (${row[n].busy.toFixed(2)})`,
      })),
      ...g.auth.map((n) => {
        const role = g.servers.find(([m]) => m === n)[1];
        return { title: `${role} CPU cost µs`, value: cpuCost(n), fmt: fmtUs, cell: (row) => fmtUs(cpuCost(n)(row)) };
      }),
    ];
    blocks.push(`### ${g.title}`, roundsTable(rs, columns, statFooter(rs)));
  }
  section('3. HTTP — bare vs keycard vs a peer stack, autocannon on 127.0.0.1', ...blocks);
}

// ── part 4: Redis ────────────────────────────────────────────────────────────────────────────

const REDIS_SERVER = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p)) ?? null;
const KEYCARD_REDIS = process.env.BENCH_KEYCARD_REDIS ?? fileURLToPath(new URL('../dist/redis.js', import.meta.url));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts our own redis-server on a free 127.0.0.1 port, persistence off, in a temp dir; stopped at exit. */
async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmp, 'redis-'));
  const child = spawn(
    REDIS_SERVER,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--protected-mode',
      'yes',
    ],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  cleanups.push(() => child.kill('SIGTERM'));
  const { Redis } = await import('ioredis');
  const admin = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  admin.on('error', () => {});
  for (let i = 0; ; i++) {
    try {
      await admin.connect();
      await admin.ping();
      break;
    } catch (e) {
      if (i === 50 || child.exitCode !== null) throw new Error(`redis-server did not start: ${e.message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const version = (await admin.info('server')).match(/redis_version:(\S+)/)?.[1] ?? 'unknown';
  return { port, pid: child.pid, admin, version, stop: () => admin.quit().finally(() => child.kill('SIGTERM')) };
}

/** The server's command counts (INFO commandstats: commands run inside scripts included) and CPU seconds (INFO cpu). */
async function serverReading(admin) {
  const text = await admin.info('commandstats');
  const counts = {};
  for (const m of text.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) counts[m[1]] = Number(m[2]);
  const cpu = await admin.info('cpu');
  const seconds = ['used_cpu_sys', 'used_cpu_user'].reduce(
    (t, k) => t + Number(cpu.match(new RegExp(`^${k}:([0-9.]+)`, 'm'))?.[1] ?? 0),
    0,
  );
  return { counts, seconds };
}

async function partRedis() {
  log('part 4: Redis');
  if (!existsSync(KEYCARD_REDIS)) {
    log('  skipped: keycard/redis not built yet (no dist/redis.js)');
    target(
      '4 Redis',
      'keycard Redis limiter ≥ 0.95 × `RateLimiterRedis` ops/s at 50 in flight, one `EVALSHA` per call',
      null,
      'x',
      null,
    );
    section(
      '4. Redis — skipped',
      '**Skipped: keycard/redis not built yet** (no `dist/redis.js` when this run started). The Redis limiter and its `fromIoredis` wrapper are being written; rerun once `keycard/redis` is wired into the build.',
    );
    return;
  }
  if (!REDIS_SERVER) {
    log('  skipped: no redis-server installed');
    target(
      '4 Redis',
      'keycard Redis limiter ≥ 0.95 × `RateLimiterRedis` ops/s at 50 in flight, one `EVALSHA` per call',
      null,
      'x',
      null,
    );
    section(
      '4. Redis — skipped',
      '**Skipped: no `redis-server` is installed** on this machine (looked for /usr/bin/redis-server and /usr/local/bin/redis-server). Install one (`apt-get install redis-server`) and rerun: the bench starts its own on a free 127.0.0.1 port.',
    );
    return;
  }
  const redis = await startRedis();
  log(`  started redis-server ${redis.version} (pid ${redis.pid}) on 127.0.0.1:${redis.port}`);
  const blocks = [
    `One local redis-server ${redis.version} started by the bench (${REDIS_SERVER}, 127.0.0.1:${redis.port}, persistence off, a temp dir), two ioredis clients (one per contender process, \`enableOfflineQueue: false\`): keycard's \`redisLimiter(fromIoredis(client)).consume(key, 1e9, 60)\` from \`keycard/redis\` against rate-limiter-flexible \`new RateLimiterRedis({ storeClient, points: 1e9, duration: 60 }).consume(key)\`. A batch makes N calls with 1 or 50 of them in flight, over 1 key or 10,000 keys taken in turn (all tracked before the first round). Commands per call are counted twice: as sent by each client (ioredis \`sendCommand\`, what "one \`EVALSHA\` per call" is about) and as run by the server during the batch (INFO commandstats, which also counts the commands a script runs); "redis-server CPU" is the server's user + system CPU time per call during the batch (INFO cpu). With the server on one core and the client process on the other, at 50 in flight the server's CPU per call is what bounds the rate.`,
  ];
  for (const keys of [1, 10_000]) {
    for (const inflight of [1, 50]) {
      const entries = await startWorkers(
        [
          {
            key: 'keycard',
            label: `keycard redis, ${keys} keys, ${inflight} in flight`,
            module: 'redis.js',
            name: 'keycard',
            params: { port: redis.port, keys, inflight },
          },
          {
            key: 'rlf',
            label: `RateLimiterRedis, ${keys} keys, ${inflight} in flight`,
            module: 'redis.js',
            name: 'rlf',
            params: { port: redis.port, keys, inflight },
          },
        ],
        log,
      );
      // Read the server around each batch: wrap the workers' round().
      for (const e of entries) {
        const round = e.worker.round.bind(e.worker);
        e.worker.round = async (n, r) => {
          const before = await serverReading(redis.admin);
          const row = await round(n, r);
          const after = await serverReading(redis.admin);
          const per = {};
          for (const [cmd, calls] of Object.entries(after.counts)) {
            if (cmd === 'info') continue;
            const d = calls - (before.counts[cmd] ?? 0);
            if (d > 0) per[cmd] = d / row.ops;
          }
          return { ...row, commands: per, serverNsPerCall: ((after.seconds - before.seconds) * 1e9) / row.ops };
        };
      }
      const { rows } = await alternate(entries, {
        warmups: CONFIG.warmups,
        rounds: CONFIG.rounds,
        targetMs: CONFIG.redisMs,
        log,
        name: `redis ${keys} keys ${inflight} in flight`,
      });
      await stopWorkers(entries);
      const ratio = series(rows, (row) => nsPerOp(row.rlf) / nsPerOp(row.keycard)); // keycard ops/s ÷ RLF ops/s
      const cmds = (k, field) => {
        const all = {};
        for (const row of rows) for (const [c, v] of Object.entries(row[k][field])) (all[c] ??= []).push(v);
        return Object.entries(all)
          .map(([c, v]) => `${c.toUpperCase()} ${median(v).toFixed(2)}`)
          .join(', ');
      };
      const evalshaPerCall = median(rows.map((row) => row.keycard.sent.evalsha ?? 0));
      const onlyEvalsha = rows.every((row) => Object.keys(row.keycard.sent).every((c) => c === 'evalsha'));
      if (inflight === 50) {
        target(
          '4 Redis',
          `keycard Redis limiter ≥ 0.95 × \`RateLimiterRedis\` ops/s at 50 in flight, ${group(keys)} key${keys > 1 ? 's' : ''}, one \`EVALSHA\` per call (measured ${evalshaPerCall.toFixed(2)}${onlyEvalsha ? ', nothing else' : ', plus other commands'})`,
          ratio,
          'x',
          ratio.median >= 0.95 && Math.abs(evalshaPerCall - 1) < 0.01 && onlyEvalsha,
        );
      }
      blocks.push(
        `### ${group(keys)} key${keys > 1 ? 's' : ''}, ${inflight} in flight`,
        roundsTable(
          rows,
          [
            {
              title: 'keycard ops/s',
              value: (row) => 1e9 / nsPerOp(row.keycard),
              fmt: group,
              cell: (row) => group(1e9 / nsPerOp(row.keycard)),
            },
            {
              title: 'RateLimiterRedis ops/s',
              value: (row) => 1e9 / nsPerOp(row.rlf),
              fmt: group,
              cell: (row) => group(1e9 / nsPerOp(row.rlf)),
            },
            ratioColumn('keycard ÷ RLF (ops/s)', (row) => nsPerOp(row.rlf) / nsPerOp(row.keycard)),
            {
              title: 'keycard redis-server CPU µs/call',
              value: (row) => row.keycard.serverNsPerCall,
              fmt: fmtUs,
              cell: (row) => fmtUs(row.keycard.serverNsPerCall),
            },
            {
              title: 'RLF redis-server CPU µs/call',
              value: (row) => row.rlf.serverNsPerCall,
              fmt: fmtUs,
              cell: (row) => fmtUs(row.rlf.serverNsPerCall),
            },
          ],
          statFooter(rows),
        ),
        `Commands per call sent by the client (median): keycard ${cmds('keycard', 'sent') || 'none'}; RateLimiterRedis ${cmds('rlf', 'sent') || 'none'}. Run by the server, scripts' own commands included: keycard ${cmds('keycard', 'commands') || 'none'}; RateLimiterRedis ${cmds('rlf', 'commands') || 'none'}.`,
      );
    }
  }
  await redis.stop();
  section("4. Redis — keycard's Redis limiter vs `RateLimiterRedis`", ...blocks);
}

// ── main ─────────────────────────────────────────────────────────────────────────────────────

/** The audit store part (issue 18) lives in its own script; its Markdown becomes a section here. */
async function partAudit() {
  log('audit: bench/audit.js');
  const r = spawnSync(
    process.execPath,
    [fileURLToPath(new URL('./audit.js', import.meta.url)), ...(QUICK ? ['--quick'] : [])],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 15 * 60_000 },
  );
  section(
    '6. Audit store (Postgres)',
    r.status === 0 ? r.stdout.trim() : `**Failed** (exit ${r.status}); run \`node bench/audit.js\` to see why.`,
  );
}

/**
 * The core's browser/edge bundle (issue 13): `export * from 'keycard'` of the built package, minified, gzip -9, and
 * what a Worker that only authenticates pays (`createKeycard` alone, tree-shaken). Same in --quick.
 */
async function partSize() {
  const { edgeBundleSize } = await import('../scripts/bundle-size.mjs');
  const r = await edgeBundleSize();
  const alone = await edgeBundleSize({ contents: "export { createKeycard } from 'keycard';" });
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  log(`size: edge bundle ${kb(r.minified)} minified, ${kb(r.gzip)} gzip; createKeycard alone ${kb(alone.gzip)} gzip`);
  targets.push({
    part: '7 size',
    wording: "edge bundle (`export * from 'keycard'`, esbuild, minified, worker, gzip) ≤ 40 KB (goal 20 KB)",
    measured: kb(r.gzip),
    met: r.gzip <= 40 * 1024,
  });
  section(
    '7. Edge bundle size',
    `\`export * from 'keycard'\` bundled by esbuild (minified, \`--conditions=worker --platform=neutral\`): ${kb(r.minified)} minified, **${kb(r.gzip)} gzip**. Minified bytes by package: ${Object.entries(
      r.inputs,
    )
      .map(([k, v]) => `${k} ${kb(v)}`)
      .join(
        ', ',
      )}. \`export { createKeycard } from 'keycard'\` (a Worker that authenticates, tree-shaken): ${kb(alone.minified)} minified, **${kb(alone.gzip)} gzip**.`,
  );
}

const partRuns = {
  verify: partVerify,
  limiter: partLimiter,
  memory: partMemory,
  timeline: partTimeline,
  alloc: partAlloc,
  http: partHttp,
  redis: partRedis,
  audit: partAudit,
  size: partSize,
};
const partSeconds = {};
const partLoad = {};
const load1 = () => os.loadavg()[0].toFixed(2);
for (const part of PARTS) {
  if (!wanted(part)) continue;
  const t0 = Date.now();
  const before = load1();
  await partRuns[part]();
  partSeconds[part] = (Date.now() - t0) / 1000;
  partLoad[part] = `${before} → ${load1()}`;
  log(`${part}: ${partSeconds[part].toFixed(1)} s`);
}

const totalSeconds = (Date.now() - started) / 1000;
const out = [];
out.push(`# keycard — benchmarks against the peers and the floor${QUICK ? ' (quick smoke run)' : ''}`);
out.push('');
out.push(
  'Generated by `bench/run.js` (issue 8). Every contender runs in its own process; compared contenders are alternated round by round, and every figure below is the **median of same-round ratios** (min–max in brackets) — a ratio is taken between batches of the same round, never between runs. Noisy shared machines: compare runs only on the same machine.',
);
out.push('');
out.push('| | |');
out.push('|---|---|');
out.push(`| CPU | ${machine.cpu} |`);
out.push(`| cores | ${machine.cores} |`);
out.push(`| Node | ${machine.node} (V8 ${machine.v8}) |`);
out.push(`| platform | ${machine.platform}, ${machine.memory} |`);
out.push(`| date | ${machine.date} |`);
out.push(`| keycard source | ${machine.source} |`);
out.push(
  `| load average (1 / 5 / 15 min) | ${machine.loadBefore} at start, ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ')} at end — other work on this ${machine.cores}-core machine slows every figure |`,
);
out.push(
  `| mode | ${CONFIG.mode}: ${CONFIG.warmups} warm-up + ${CONFIG.rounds} alternated rounds in process (batches of ~${CONFIG.verifyMs} ms verify, ~${CONFIG.limiterMs} ms limiter, ~${CONFIG.redisMs} ms Redis); ${CONFIG.memRepeats} memory repeats; HTTP ${CONFIG.httpRounds} rounds of ${CONFIG.httpSeconds} s |`,
);
out.push(
  `| run time | ${totalSeconds.toFixed(0)} s excluding the build (${Object.entries(partSeconds)
    .map(([p, s]) => `${p} ${s.toFixed(0)} s`)
    .join(', ')}) |`,
);
out.push(
  `| 1-min load average at the start → end of each part | ${Object.entries(partLoad)
    .map(([p, l]) => `${p} ${l}`)
    .join(
      '; ',
    )} (this machine has ${machine.cores} cores: above ${machine.cores}, other processes compete with the one being measured) |`,
);
out.push('');
out.push('## Targets (issue 8)');
out.push('');
out.push('| part | target | measured: median of same-round figures (min–max) | met |');
out.push('|---|---|---:|:---:|');
for (const t of targets)
  out.push(`| ${t.part} | ${t.wording} | ${t.measured} | ${t.met === null ? '—' : t.met ? 'yes' : '**no**'} |`);
for (const s of sections) {
  out.push('');
  out.push(s);
}
out.push('');
const report = out.join('\n');

process.stdout.write(report);
if (WRITE) {
  const file = fileURLToPath(new URL(QUICK ? './results-quick.md' : './results.md', import.meta.url));
  writeFileSync(file, report);
  log(`wrote ${file}`);
}
log(`total ${totalSeconds.toFixed(1)} s`);
cleanup();
process.exit(0);
