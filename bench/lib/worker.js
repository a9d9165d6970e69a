// One measuring process: holds one contender (set up once), and times a batch whenever the
// orchestrator asks. Each contender lives in its own process so that none can change another's
// figures through the JIT's shared type feedback, a heap left large, or its garbage; the
// orchestrator alternates the batches of the contenders it compares, round by round.
//
// Protocol (IPC, advanced serialisation), each request answered once with the same `id`:
//   { cmd: 'setup', module, name, params }  → { info }      module: a path under bench/contenders/
//   { cmd: 'round', n, round }              → { row }       row: { ns, ops, ... } (or { bytesPerKey, ... })
//   { cmd: 'call', method, args }           → { value }     any other method of the contender
//   { cmd: 'alloc', n }                     → { row }       row: { bytesPerOp, ops, gcs } (started with --alloc-probe)
//   { cmd: 'exit' }                         → closes the contender, exits
//
// Allocation probe (`--alloc-probe`, for the alloc part): any contender's `round(n)` measured in
// bytes allocated per operation instead of time. Every contender calls `gc()` just before its
// timed loop; under the probe that `gc()` also reads V8's used heap, and the probe reads it again
// when the round returns: the difference is what the loop allocated, collected or not, provided
// no collection ran in between. The worker runs with a 64 MiB young generation fixed in size
// (`--min-semi-space-size=64 --max-semi-space-size=64`), the orchestrator keeps n × bytes per op
// well under it, and `v8.GCProfiler` counts every collection during the loop: a row with
// `gcs > 0` is discarded by the orchestrator.
//
// Standalone, for profiling one contender: set up, then time batches of about 300 ms for
// `seconds`; with `--prof-dir=DIR` the V8 CPU profiler runs around the timed batches only (not the
// set-up) and writes DIR/<name>-<time>.cpuprofile (`node profile-summary.js DIR` summarises it):
// With `--alloc-dir=DIR` the sampling heap profiler records where the batches allocate (collected
// objects included) into DIR/<name>-<time>.heapprofile; `node profile-summary.js DIR` reads either.
//   node --expose-gc lib/worker.js --standalone <module> <name> [seconds] [json params] [--prof-dir=DIR] [--alloc-dir=DIR]

import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';

if (typeof globalThis.gc !== 'function') {
  console.error('lib/worker.js needs --expose-gc');
  process.exit(2);
}

/** Used heap read by the last `gc()` under --alloc-probe (installed before any contender captures `gc`). */
let heapAfterGc = 0;
let gcCalls = 0;
if (process.argv.includes('--alloc-probe')) {
  const realGc = globalThis.gc;
  globalThis.gc = (...args) => {
    realGc(...args);
    gcCalls++;
    heapAfterGc = v8.getHeapStatistics().used_heap_size;
  };
}

/** One round of the contender in bytes allocated per operation (see the header). */
async function allocRound(n) {
  const profiler = new v8.GCProfiler();
  let before = -1;
  heapAfterGc = -1;
  gcCalls = 0;
  profiler.start();
  const row = await contender.round(n, -100);
  const after = v8.getHeapStatistics().used_heap_size;
  before = heapAfterGc;
  const { statistics } = profiler.stop();
  if (before < 0) throw new Error('the contender did not call gc() before its loop: no allocation baseline');
  // Each forced gc() before the loop is one collection of its own: only the others spoil the reading.
  const gcs = statistics.length - gcCalls;
  return { bytesPerOp: (after - before) / row.ops, ops: row.ops, gcs, nsPerOp: row.ns / row.ops };
}

const contendersDir = new URL('../contenders/', import.meta.url);

async function load(module, name, params) {
  const mod = await import(new URL(module, contendersDir).href);
  const make = mod.contenders?.[name];
  if (typeof make !== 'function') throw new Error(`no contender ${name} in contenders/${module}`);
  return make(params ?? {});
}

const argv = process.argv.slice(2);
if (argv[0] === '--standalone') {
  const profDir = argv.find((a) => a.startsWith('--prof-dir='))?.slice('--prof-dir='.length);
  const allocDir = argv.find((a) => a.startsWith('--alloc-dir='))?.slice('--alloc-dir='.length);
  const [module, name, seconds = '10', json = '{}'] = argv.slice(1).filter((a) => !a.startsWith('--'));
  const contender = await load(module, name, JSON.parse(json));
  let n = contender.info?.startN ?? 1000;
  // Two unprofiled warm-up batches (calibration, JIT), then the profiled ones.
  for (let w = 0; w < 2; w++) {
    const row = await contender.round(n, -1 - w);
    n = Math.max(1, Math.min(contender.info?.maxN ?? Infinity, Math.round((n * 300e6) / row.ns)));
  }
  const session = profDir || allocDir ? new Session() : null;
  session?.connect();
  if (profDir) {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
  }
  if (allocDir) {
    // Sampled allocations (every ~4 KiB allocated), kept even when collected: where the garbage comes from.
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }
  let ops = 0;
  const deadline = Date.now() + Number(seconds) * 1000;
  let round = 0;
  while (Date.now() < deadline) {
    const row = await contender.round(n, round++);
    ops += row.ops;
    const extra = Object.entries(row)
      .filter(([k]) => !['ns', 'ops'].includes(k))
      .map(([k, v]) => `${k} ${typeof v === 'number' ? +(v / row.ops).toFixed(3) : v}/op`)
      .join(', ');
    console.error(`${name}: ${(row.ns / row.ops).toFixed(1)} ns/op over ${row.ops} ops${extra ? ` (${extra})` : ''}`);
  }
  if (profDir) {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(profDir, { recursive: true });
    const file = join(profDir, `${name}-${Date.now()}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    console.error(`wrote ${file}`);
  }
  if (allocDir) {
    const { profile } = await session.post('HeapProfiler.stopSampling');
    mkdirSync(allocDir, { recursive: true });
    const file = join(allocDir, `${name}-${Date.now()}.heapprofile`);
    writeFileSync(file, JSON.stringify({ ...profile, ops }));
    console.error(`wrote ${file} (${ops} operations)`);
  }
  await contender.close?.();
  process.exit(0);
}

if (typeof process.send !== 'function') {
  console.error(`${fileURLToPath(import.meta.url)} is started by run.js (or with --standalone)`);
  process.exit(2);
}

let contender = null;
const reply = (id, body) => process.send({ id, ...body });

process.on('message', async (msg) => {
  const { id, cmd } = msg;
  try {
    if (cmd === 'setup') {
      contender = await load(msg.module, msg.name, msg.params);
      reply(id, { info: contender.info ?? null });
    } else if (cmd === 'round') {
      reply(id, { row: await contender.round(msg.n, msg.round) });
    } else if (cmd === 'alloc') {
      reply(id, { row: await allocRound(msg.n) });
    } else if (cmd === 'call') {
      reply(id, { value: await contender[msg.method](...(msg.args ?? [])) });
    } else if (cmd === 'exit') {
      await contender?.close?.();
      reply(id, {});
      process.exit(0);
    } else {
      throw new Error(`unknown command ${cmd}`);
    }
  } catch (e) {
    reply(id, { error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
});
process.on('disconnect', () => process.exit(0));
