// bench part: limiter.

import { fmtB, group } from '../lib/common.js';
import { alternate, startWorkers, stopWorkers } from '../lib/pool.js';
import { CONFIG, log } from '../lib/context.js';
import { nsColumn, nsPerOp, ratioColumn, roundsTable, section, series, statFooter, target } from '../lib/report.js';

// ── part 2: limiter alone, and bytes per key ─────────────────────────────────────────────────

export const LIMITERS = [
  { key: 'keycard', label: 'keycard `memoryLimiter()`' },
  { key: 'floor', label: 'floor (two-bucket window)' },
  { key: 'rlf', label: 'rate-limiter-flexible `RateLimiterMemory`' },
  { key: 'erl', label: 'express-rate-limit `MemoryStore`' },
  { key: 'hrl', label: 'hono-rate-limiter `MemoryStore`' },
];

export async function partLimiter() {
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

export async function partMemory() {
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
