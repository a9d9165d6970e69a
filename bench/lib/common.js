// Helpers shared by the orchestrator (run.js) and the measuring workers (lib/worker.js).

/** A monotonic nanosecond clock reading, as a BigInt. */
export const now = () => process.hrtime.bigint();

/** Nanoseconds since `t0` (a `now()` reading), as a Number. */
export const since = (t0) => Number(process.hrtime.bigint() - t0);

/** Deterministic PRNG (mulberry32), so probe orders are the same from run to run. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle(array, random) {
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
export function flatStrings(strings) {
  const flat = JSON.parse(JSON.stringify(strings));
  void new Set(flat).size;
  return flat;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `n` limiter keys of the shape the pipeline charges (`tok_<22 base62>:all`), flat and hashed. */
export function limiterKeys(n, seed) {
  const random = prng(seed);
  const keys = new Array(n);
  for (let i = 0; i < n; i++) {
    let id = 'tok_';
    for (let c = 0; c < 22; c++) id += BASE62[Math.floor(random() * 62)];
    keys[i] = `${id}:all`;
  }
  return flatStrings(keys);
}

/** `n` indices into a list of `size`, a fresh shuffled permutation for each pass over it. */
export function probeOrder(size, n, seed) {
  const random = prng(seed);
  const order = Array.from({ length: size }, (_, i) => i);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    if (i % size === 0) shuffle(order, random);
    out[i] = order[i % size];
  }
  return out;
}

/** Lets queued microtasks (an audit pump) and a macrotask turn run. */
export const settle = () => new Promise((resolve) => setImmediate(resolve));

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// ── formatting ──────────────────────────────────────────────────────────────────────────────

export const group = (n) => Math.round(n).toLocaleString('en-US');
/** ns with 3 significant figures below 100, grouped integers above. */
export const fmtNs = (ns) => (ns < 10 ? ns.toFixed(2) : ns < 100 ? ns.toFixed(1) : group(ns));
/** µs from ns. */
export const fmtUs = (ns) => {
  const us = ns / 1000;
  return Math.abs(us) < 10 ? us.toFixed(2) : Math.abs(us) < 100 ? us.toFixed(1) : group(us);
};
export const fmtB = (b) => b.toFixed(1);
export const fmtX = (x) => (x >= 100 ? group(x) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
