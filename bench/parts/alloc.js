// bench part: alloc.

import { fmtB } from '../lib/common.js';
import { alternate, rotate, startWorkers, stopWorkers } from '../lib/pool.js';
import { CONFIG, log } from '../lib/context.js';
import { roundsTable, section, series, statFooter, target } from '../lib/report.js';

// ── part 2c: bytes allocated per call ────────────────────────────────────────────────────────

/**
 * Bytes allocated per operation, for any contender whose `round(n)` calls `gc()` before its loop
 * (they all do): see the allocation probe in lib/worker.js. To measure another operation, add an
 * entry to ALLOC — e.g. `{ key: 'authenticate', label: 'keycard authenticate()', module:
 * 'verify.js', name: 'keycard', params: {}, budget: 32 << 20 }`.
 */
export const ALLOC = [
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
export const ALLOC_BUDGET = 16 << 20;

export async function partAlloc() {
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
