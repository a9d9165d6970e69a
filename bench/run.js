// keycard — early in-process speed and memory report.
//
//   npm run bench               full run, writes bench/results.md
//   npm run bench -- --quick    smoke run (fewer rounds and iterations), writes bench/results-quick.md
//
// Options: --quick, --only=a,b (measurement ids, see MEASUREMENTS), --no-write (print only),
// --in-process (no child process per measurement; for --cpu-prof).
// Progress goes to stderr; the report (Markdown) goes to stdout and to the results file.
//
// Timing is a hand-rolled loop: each round times one batch of N operations with
// process.hrtime.bigint() and reports ns/op = elapsed / N. Several of the measured operations take
// tens of nanoseconds, where a per-iteration timer read (what tinybench samples) would cost as
// much as the operation itself. Nothing here asserts a timing: the checks after each round only
// make sure the work was done (every request admitted, every audit event delivered).

import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { createKeycard, defineScopes, memoryAuditSink, memoryLimiter } from '../dist/index.js';

const started = process.hrtime.bigint();
const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const WRITE = !argv.includes('--no-write');
const ONLY = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',').filter(Boolean) ?? null;

const gc = globalThis.gc;
if (typeof gc !== 'function') {
  console.error('run.js needs --expose-gc (use `npm run bench`, or `node --expose-gc run.js`).');
  process.exit(2);
}

/** Iterations per round and round counts. `--quick` keeps the shapes (10,000 tokens, 100,000 keys) and cuts the counts. */
const CONFIG = QUICK
  ? { mode: 'quick', warmup: 1, rounds: 5, authOps: 20_000, limiterOps: 500_000, hashOps: 100_000, mapOps: 1_000_000, memRepeats: 5 }
  : { mode: 'full', warmup: 2, rounds: 10, authOps: 200_000, limiterOps: 5_000_000, hashOps: 1_000_000, mapOps: 10_000_000, memRepeats: 5 };

const TOKENS = 10_000; // live tokens for authenticate
const LIMITER_KEYS = 10_000; // round-robin keys for the limiter
const MEMORY_KEYS = 100_000; // tracked keys for bytes/key
const HUGE = { limit: 1_000_000_000, window: 60 }; // nothing is ever refused
const REQUIREMENT = Object.freeze({ scope: 'read' });

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

const now = () => process.hrtime.bigint();
const log = (...a) => console.error(...a);

/** Deterministic PRNG (mulberry32), so probe orders are the same from run to run. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(array, random) {
  for (let i = array.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = array[i];
    array[i] = array[j];
    array[j] = t;
  }
  return array;
}

/**
 * Sequential (flat) copies of strings with their hash already computed, so that a measurement
 * that must exclude string costs neither flattens a cons string nor hashes it inside the timed or
 * measured region. JSON.parse yields flat strings; one pass through a throw-away Set hashes them.
 */
function flatStrings(strings) {
  const flat = JSON.parse(JSON.stringify(strings));
  new Set(flat).size;
  return flat;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
function limiterKeys(n, seed) {
  const random = prng(seed);
  const keys = new Array(n);
  for (let i = 0; i < n; i++) {
    let id = 'tok_';
    for (let c = 0; c < 22; c++) id += BASE62[Math.floor(random() * 62)];
    keys[i] = `${id}:all`; // the shape chargeFor() builds for the default (shared) policy
  }
  return flatStrings(keys);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Runs `warmup` unreported rounds, then `rounds` reported ones; `once` returns a row. */
async function inRounds(name, once, warmup = CONFIG.warmup, rounds = CONFIG.rounds) {
  for (let i = 0; i < warmup; i++) {
    await once(-1 - i);
    log(`  ${name}: warm-up ${i + 1}/${warmup}`);
  }
  const rows = [];
  for (let i = 0; i < rounds; i++) {
    const row = await once(i);
    rows.push(row);
    log(`  ${name}: round ${i + 1}/${rounds} ${row.nsPerOp !== undefined ? `${fmtNs(row.nsPerOp)} ns/op` : `${row.bytesPerKey.toFixed(1)} B/key`}`);
  }
  return rows;
}

const timed = (ops, ns) => ({ ops, ns, nsPerOp: ns / ops, opsPerSec: (ops * 1e9) / ns });

// ── formatting ──────────────────────────────────────────────────────────────────────────────

const group = (n) => Math.round(n).toLocaleString('en-US');
const fmtNs = (ns) => (ns < 100 ? ns.toFixed(1) : group(ns));
const fmtB = (b) => b.toFixed(1);
const spread = (xs) => `${(((Math.max(...xs) - Math.min(...xs)) / median(xs)) * 100).toFixed(1)} %`;

function timingTable(rows) {
  const ns = rows.map((r) => r.nsPerOp);
  const ops = rows.map((r) => r.opsPerSec);
  const lines = ['| round | ns/op | ops/s |', '|---:|---:|---:|'];
  rows.forEach((r, i) => lines.push(`| ${i + 1} | ${fmtNs(r.nsPerOp)} | ${group(r.opsPerSec)} |`));
  lines.push(`| **median** | **${fmtNs(median(ns))}** | **${group(median(ops))}** |`);
  lines.push(`| min–max | ${fmtNs(Math.min(...ns))}–${fmtNs(Math.max(...ns))} | ${group(Math.min(...ops))}–${group(Math.max(...ops))} |`);
  lines.push(`| spread (max−min)/median | ${spread(ns)} | |`);
  return lines.join('\n');
}

function memoryTable(rows) {
  const col = (k) => rows.map((r) => r[k]);
  const lines = ['| repeat | total B/key | heap B/key | array buffers B/key | keys tracked |', '|---:|---:|---:|---:|---:|'];
  rows.forEach((r, i) => lines.push(`| ${i + 1} | ${fmtB(r.bytesPerKey)} | ${fmtB(r.heapPerKey)} | ${fmtB(r.abPerKey)} | ${group(r.size)} |`));
  const stat = (k) => `${fmtB(median(col(k)))}`;
  const range = (k) => `${fmtB(Math.min(...col(k)))}–${fmtB(Math.max(...col(k)))}`;
  lines.push(`| **median** | **${stat('bytesPerKey')}** | ${stat('heapPerKey')} | ${stat('abPerKey')} | |`);
  lines.push(`| min–max | ${range('bytesPerKey')} | ${range('heapPerKey')} | ${range('abPerKey')} | |`);
  return lines.join('\n');
}

// ── fixtures ─────────────────────────────────────────────────────────────────────────────────

let fixture; // built once, shared by the measurements that need real tokens

async function tokens() {
  if (fixture) return fixture;
  const t0 = now();
  const sink = memoryAuditSink();
  const keycard = createKeycard({
    prefix: 'bench',
    scopes: defineScopes({ read: {} }),
    rateLimit: HUGE,
    audit: sink,
  });
  const list = [];
  for (let i = 0; i < TOKENS; i++) {
    const { token } = await keycard.issue({ ownerId: `user_${i % 500}`, label: `bench ${i}`, scopes: ['read'] });
    list.push(token);
  }
  sink.clear();
  fixture = { keycard, sink, tokens: flatStrings(list) };
  log(`  issued ${group(TOKENS)} tokens in ${(Number(now() - t0) / 1e6).toFixed(0)} ms`);
  return fixture;
}

/**
 * `n` fresh request objects over shuffled tokens, a new permutation per pass over the 10,000.
 * Fresh objects every round: authenticate() memoises its first pass per request object (a
 * router guard and a route guard share one lookup and one charge), so re-sending the same
 * object would measure the memo, not the pipeline.
 */
function buildRequests(list, n, seed) {
  const random = prng(seed);
  const order = list.map((_, i) => i);
  const requests = new Array(n);
  for (let i = 0; i < n; i++) {
    if (i % order.length === 0) shuffle(order, random);
    requests[i] = { method: 'GET', url: '/tickets', headers: { authorization: `Bearer ${list[order[i % order.length]]}` } };
  }
  return requests;
}

/** Lets queued microtasks (the audit pump) and a macrotask turn run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

// ── measurements ─────────────────────────────────────────────────────────────────────────────

async function authenticateRounds(keycard, sink, list, seedBase) {
  const n = CONFIG.authOps;
  return inRounds('authenticate', async (round) => {
    sink?.clear();
    let requests = buildRequests(list, n, seedBase + round + 100);
    gc();
    let ok = 0;
    const t0 = now();
    for (let i = 0; i < n; i++) {
      // Let go of each request once answered, as a server would: the per-request memo is a
      // WeakMap, and keeping all N requests alive would keep all N first passes alive too.
      const request = requests[i];
      requests[i] = undefined;
      const r = await keycard.authenticate(request, REQUIREMENT);
      if (r.ok) ok++;
    }
    const ns = Number(now() - t0);
    await settle();
    if (ok !== n) throw new Error(`authenticate admitted ${ok} of ${n}`);
    if (sink && sink.events.length !== n) throw new Error(`audit sink got ${sink.events.length} events for ${n} requests`);
    requests = null;
    sink?.clear();
    return timed(n, ns);
  });
}

const MEASUREMENTS = [
  {
    id: 'authenticate',
    title: '1. `authenticate(request, { scope: \'read\' })` — memory store, 10,000 live tokens',
    about:
      'Default in-memory token store and limiter, `rateLimit: { limit: 1e9, window: 60 }` (nothing refused), a `memoryAuditSink()` cleared between rounds. Each round sends fresh `{ method, url, headers }` objects built before the clock starts, cycling through the 10,000 tokens in a shuffled order; the LRU cache (10,000 entries by default) is warm after the warm-up rounds. No `X-Request-Id`, so each request also generates a UUID.',
    async run() {
      const { keycard, sink, tokens: list } = await tokens();
      return { kind: 'timing', rows: await authenticateRounds(keycard, sink, list, 0) };
    },
  },
  {
    id: 'limiter1',
    title: '2a. `memoryLimiter().consume(key, limit, 60)` — 1 key',
    about: 'The in-memory limiter alone, synchronous, one key charged over and over (limit 1e9 so every call admits).',
    async run() {
      const n = CONFIG.limiterOps;
      const [key] = limiterKeys(1, 7);
      const limiter = memoryLimiter();
      const rows = await inRounds('limiter, 1 key', () => {
        gc();
        let ok = 0;
        const t0 = now();
        for (let i = 0; i < n; i++) if (limiter.consume(key, HUGE.limit, HUGE.window).allowed) ok++;
        const ns = Number(now() - t0);
        if (ok !== n) throw new Error(`limiter admitted ${ok} of ${n}`);
        return timed(n, ns);
      });
      limiter.close();
      return { kind: 'timing', rows };
    },
  },
  {
    id: 'limiter10k',
    title: '2b. `memoryLimiter().consume(key, limit, 60)` — 10,000 keys, round-robin',
    about: 'Same, cycling through 10,000 pre-built keys (`tok_…:all`, the shape the pipeline charges); all keys are tracked before the first round.',
    async run() {
      const n = CONFIG.limiterOps;
      const keys = limiterKeys(LIMITER_KEYS, 11);
      const limiter = memoryLimiter();
      for (const k of keys) limiter.consume(k, HUGE.limit, HUGE.window);
      const rows = await inRounds('limiter, 10k keys', () => {
        gc();
        let ok = 0;
        let j = 0;
        const t0 = now();
        for (let i = 0; i < n; i++) {
          if (limiter.consume(keys[j], HUGE.limit, HUGE.window).allowed) ok++;
          if (++j === LIMITER_KEYS) j = 0;
        }
        const ns = Number(now() - t0);
        if (ok !== n) throw new Error(`limiter admitted ${ok} of ${n}`);
        if (limiter.size() !== LIMITER_KEYS) throw new Error(`limiter tracks ${limiter.size()} keys`);
        return timed(n, ns);
      });
      limiter.close();
      return { kind: 'timing', rows };
    },
  },
  {
    id: 'memory',
    title: '3. Limiter state per tracked (token, class) — 100,000 keys',
    about:
      '`process.memoryUsage()` heapUsed + arrayBuffers after `gc()`, before and after creating a fresh `memoryLimiter()` and charging each of 100,000 keys once; the key strings are built (flat, hashed) before the first reading and kept alive, so they are not counted. Delta / 100,000. The heap part is mostly the key `Map`, the array-buffer part the 56-byte slots plus the partly used last page.',
    async run() {
      const keys = limiterKeys(MEMORY_KEYS, 13);
      const reading = () => {
        const m = process.memoryUsage();
        return { heap: m.heapUsed, ab: m.arrayBuffers };
      };
      const rows = await inRounds(
        'bytes per key',
        () => {
          gc();
          gc();
          const before = reading();
          let limiter = memoryLimiter();
          for (let i = 0; i < MEMORY_KEYS; i++) limiter.consume(keys[i], HUGE.limit, HUGE.window);
          gc();
          gc();
          const after = reading();
          const size = limiter.size(); // also keeps the limiter alive past the second reading
          limiter.close();
          limiter = null;
          if (size !== MEMORY_KEYS) throw new Error(`limiter tracks ${size} keys`);
          const heapPerKey = (after.heap - before.heap) / MEMORY_KEYS;
          const abPerKey = (after.ab - before.ab) / MEMORY_KEYS;
          return { heapPerKey, abPerKey, bytesPerKey: heapPerKey + abPerKey, size };
        },
        1,
        CONFIG.memRepeats,
      );
      keys.length; // keep the key strings alive through every reading
      return { kind: 'memory', rows };
    },
  },
  {
    id: 'sha256',
    title: "4a. Floor: `crypto.hash('sha256', token)` (hex)",
    about: 'The one-shot hash the Node build uses to look a token up, over the 10,000 issued tokens. The floor of any lookup by hash.',
    async run() {
      const { tokens: list } = await tokens();
      const n = CONFIG.hashOps;
      const rows = await inRounds('sha256', () => {
        gc();
        let sink = 0;
        let j = 0;
        const t0 = now();
        for (let i = 0; i < n; i++) {
          sink += crypto.hash('sha256', list[j], 'hex').length;
          if (++j === TOKENS) j = 0;
        }
        const ns = Number(now() - t0);
        if (sink !== n * 64) throw new Error('hash length');
        return timed(n, ns);
      });
      return { kind: 'timing', rows };
    },
  },
  {
    id: 'mapget',
    title: '4b. Floor: `Map.get` over 10,000 entries',
    about:
      'A `Map` from the 10,000 token hashes (64 hex chars) to records, probed in a shuffled order with equal but distinct string objects (as a freshly computed hash would be; their hash codes are cached after the first pass, a fresh string would also pay for hashing its 64 chars).',
    async run() {
      const { tokens: list } = await tokens();
      const hashes = list.map((t) => crypto.hash('sha256', t, 'hex'));
      const map = new Map(hashes.map((h, i) => [h, { id: i }]));
      const probes = shuffle(flatStrings(hashes), prng(17));
      const n = CONFIG.mapOps;
      const rows = await inRounds('Map.get', () => {
        gc();
        let sink = 0;
        let j = 0;
        const t0 = now();
        for (let i = 0; i < n; i++) {
          sink += map.get(probes[j]).id;
          if (++j === TOKENS) j = 0;
        }
        const ns = Number(now() - t0);
        if (sink < 0) throw new Error('unreachable');
        return timed(n, ns);
      });
      return { kind: 'timing', rows };
    },
  },
  {
    id: 'verify',
    supplementary: true,
    title: 'S1. `keycard.verify(token)` — the lookup half of `authenticate`',
    about: 'Parse + checksum, hash, LRU cache hit, validity checks, a fresh `Identity`: no credential reading, no limiter, no audit event. Same 10,000 tokens, shuffled.',
    async run() {
      const { keycard, tokens: list } = await tokens();
      const n = CONFIG.authOps;
      const rows = await inRounds('verify', async (round) => {
        const random = prng(1000 + round);
        const order = shuffle(list.map((_, i) => i), random);
        gc();
        let ok = 0;
        let j = 0;
        const t0 = now();
        for (let i = 0; i < n; i++) {
          if ((await keycard.verify(list[order[j]])).ok) ok++;
          if (++j === TOKENS) j = 0;
        }
        const ns = Number(now() - t0);
        if (ok !== n) throw new Error(`verify accepted ${ok} of ${n}`);
        return timed(n, ns);
      });
      return { kind: 'timing', rows };
    },
  },
  {
    id: 'noaudit',
    supplementary: true,
    title: 'S2. `authenticate` as in 1, with no audit sink',
    about: 'A second instance over the same kind of store with `audit` left out (the trail is then a no-op), so 1 − S2 is the cost of recording one audit event (including the request-id UUID, which is generated either way).',
    async run() {
      const keycard = createKeycard({ prefix: 'bench', scopes: defineScopes({ read: {} }), rateLimit: HUGE });
      const list = [];
      for (let i = 0; i < TOKENS; i++) list.push((await keycard.issue({ ownerId: `user_${i % 500}`, label: `bench ${i}`, scopes: ['read'] })).token);
      const rows = await authenticateRounds(keycard, null, flatStrings(list), 500);
      await keycard.close();
      return { kind: 'timing', rows };
    },
  },
  {
    id: 'hottoken',
    supplementary: true,
    title: 'S3. `authenticate` as in 1, every request from one hot token',
    about:
      'The same instance shape (10,000 live tokens, all in the verified-record cache after one pass over them, audit sink), but every request carries the same token: one busy agent among many quiet ones. A cache or limiter structure that degrades on repeated hits to one key shows up here and not in 1. A quarter of the iterations of 1 per round.',
    async run() {
      const { keycard, sink, tokens: list } = await tokens();
      for (const token of list) await keycard.authenticate({ method: 'GET', url: '/tickets', headers: { authorization: `Bearer ${token}` } }, REQUIREMENT);
      sink.clear();
      const hot = [list[4242]];
      const n = Math.max(1, Math.floor(CONFIG.authOps / 4));
      const rows = await inRounds('authenticate, hot token', async (round) => {
        sink.clear();
        let requests = buildRequests(hot, n, 900 + round);
        gc();
        let ok = 0;
        const t0 = now();
        for (let i = 0; i < n; i++) {
          const request = requests[i];
          requests[i] = undefined;
          if ((await keycard.authenticate(request, REQUIREMENT)).ok) ok++;
        }
        const ns = Number(now() - t0);
        await settle();
        if (ok !== n) throw new Error(`authenticate admitted ${ok} of ${n}`);
        requests = null;
        sink.clear();
        return timed(n, ns);
      });
      return { kind: 'timing', rows };
    },
  },
  {
    id: 'asyncfloor',
    supplementary: true,
    title: 'S4. Floor: `await` of an async function that returns at once',
    about: 'What the cheapest possible async API call costs in this loop shape: the part of `authenticate`’s time that no synchronous work can remove.',
    async run() {
      const n = CONFIG.authOps * 10;
      const f = async (x) => x;
      const rows = await inRounds('await floor', async () => {
        gc();
        let sink = 0;
        const t0 = now();
        for (let i = 0; i < n; i++) sink += await f(i & 1);
        const ns = Number(now() - t0);
        if (sink < 0) throw new Error('unreachable');
        return timed(n, ns);
      });
      return { kind: 'timing', rows };
    },
  },
];

// ── main ─────────────────────────────────────────────────────────────────────────────────────

const CHILD = argv.find((a) => a.startsWith('--child='))?.slice('--child='.length) ?? null;
const IN_PROCESS = argv.includes('--in-process');

if (CHILD !== null) {
  // One measurement in this (child) process; rows go to stdout as JSON for the parent.
  const m = MEASUREMENTS.find((x) => x.id === CHILD);
  if (!m) throw new Error(`unknown measurement ${CHILD}`);
  const t0 = now();
  const r = await m.run();
  if (fixture) await fixture.keycard.close();
  process.stdout.write(JSON.stringify({ ...r, seconds: Number(now() - t0) / 1e9 }));
  process.exit(0);
}

const selected = ONLY ? MEASUREMENTS.filter((m) => ONLY.includes(m.id)) : MEASUREMENTS;
if (ONLY && selected.length !== ONLY.length) {
  console.error(`unknown measurement in --only; known: ${MEASUREMENTS.map((m) => m.id).join(', ')}`);
  process.exit(2);
}

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
  loadBefore: os.loadavg().map((x) => x.toFixed(2)).join(' / '),
};
log(`keycard bench (${CONFIG.mode}) — ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}`);

/** The keycard commit measured, and whether src/ had uncommitted changes (dist/ is built from the work tree). */
function sourceState() {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const git = (...a) => spawnSync('git', ['-C', root, ...a], { encoding: 'utf8' });
  const head = git('rev-parse', '--short', 'HEAD');
  if (head.status !== 0) return 'unknown (not a git checkout)';
  const dirty = git('status', '--porcelain', '--', 'src', 'package.json', 'tsup.config.ts').stdout.split('\n').filter(Boolean).length;
  return `${head.stdout.trim()}${dirty ? ` + ${dirty} uncommitted change(s) under src/ and build config` : ' (clean)'}`;
}

/**
 * Each measurement runs in a fresh Node process (same flags), so that one cannot change another's
 * figures through the JIT's shared type feedback (the limiter's code is also the pipeline's), a
 * heap left large by an earlier one, or its garbage. `--in-process` runs them all here instead
 * (for `--cpu-prof`, which would otherwise profile only the parent).
 */
function runChild(m) {
  const args = [...process.execArgv, fileURLToPath(import.meta.url), `--child=${m.id}`, ...(QUICK ? ['--quick'] : [])];
  const child = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (child.status !== 0) throw new Error(`measurement ${m.id} failed (exit ${child.status ?? child.signal})`);
  return JSON.parse(child.stdout);
}

const results = [];
for (const m of selected) {
  log(`${m.id}…`);
  const t0 = now();
  const r = IN_PROCESS ? await m.run() : runChild(m);
  results.push({ ...m, ...r, seconds: Number(now() - t0) / 1e9 });
}
if (fixture) await fixture.keycard.close();

const totalSeconds = Number(now() - started) / 1e9;
const byId = Object.fromEntries(results.map((r) => [r.id, r]));
const med = (id, k) => (byId[id] ? median(byId[id].rows.map((row) => row[k])) : undefined);
const summaryRows = [
  ['authenticate (10,000 tokens)', 'authenticate', 'ns/op'],
  ['limiter consume, 1 key', 'limiter1', 'ns/op'],
  ['limiter consume, 10,000 keys', 'limiter10k', 'ns/op'],
  ['limiter state at 100,000 keys', 'memory', 'B/key'],
  ['floor: sha256 (hex) of a token', 'sha256', 'ns/op'],
  ['floor: Map.get, 10,000 entries', 'mapget', 'ns/op'],
  ['supplementary: verify(token)', 'verify', 'ns/op'],
  ['supplementary: authenticate, no audit sink', 'noaudit', 'ns/op'],
  ['supplementary: authenticate, one hot token among 10,000', 'hottoken', 'ns/op'],
  ['supplementary: await of an async no-op', 'asyncfloor', 'ns/op'],
].filter(([, id]) => byId[id]);

const out = [];
out.push(`# keycard — early in-process benchmark report${QUICK ? ' (quick smoke run)' : ''}`);
out.push('');
out.push(
  'Generated by `bench/run.js`. An early, in-process report: one Node process, the in-memory store and limiter, no network and no framework. Noisy shared machines: read the median with its min–max, and compare runs only on the same machine. No peer comparison yet.',
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
out.push(`| load average (1 / 5 / 15 min) | ${machine.loadBefore} at start, ${os.loadavg().map((x) => x.toFixed(2)).join(' / ')} at end — other work on this ${machine.cores}-core machine slows every figure |`);
out.push(
  `| mode | ${CONFIG.mode}: ${CONFIG.warmup} warm-up + ${CONFIG.rounds} timed rounds; per round ${group(CONFIG.authOps)} authenticate/verify calls, ${group(CONFIG.limiterOps)} limiter calls, ${group(CONFIG.hashOps)} hashes, ${group(CONFIG.mapOps)} Map.get; ${CONFIG.memRepeats} memory repeats |`,
);
out.push(`| run time | ${totalSeconds.toFixed(1)} s (excluding the build) |`);
out.push('');
out.push('## Summary (medians)');
out.push('');
out.push('| measurement | median | min–max | ops/s (median) |');
out.push('|---|---:|---:|---:|');
for (const [label, id, unit] of summaryRows) {
  const r = byId[id];
  if (r.kind === 'memory') {
    const xs = r.rows.map((row) => row.bytesPerKey);
    out.push(`| ${label} | ${fmtB(median(xs))} ${unit} | ${fmtB(Math.min(...xs))}–${fmtB(Math.max(...xs))} | |`);
  } else {
    const xs = r.rows.map((row) => row.nsPerOp);
    out.push(`| ${label} | ${fmtNs(median(xs))} ${unit} | ${fmtNs(Math.min(...xs))}–${fmtNs(Math.max(...xs))} | ${group(med(id, 'opsPerSec'))} |`);
  }
}
for (const r of results) {
  out.push('');
  out.push(`## ${r.title}`);
  out.push('');
  out.push(r.about);
  out.push('');
  out.push(r.kind === 'memory' ? memoryTable(r.rows) : timingTable(r.rows));
  out.push('');
  out.push(`(${r.seconds.toFixed(1)} s in its own process, including set-up)`);
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
