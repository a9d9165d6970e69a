// The orchestrator's side of lib/worker.js: start measuring processes, and run alternated rounds.

import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));

/** A measuring process holding one contender. */
export class Worker {
  #child;
  #next = 0;
  #pending = new Map();
  #exited = null;

  constructor(label, execArgv = [], args = []) {
    this.label = label;
    // The worker's stdout goes to our stderr: our stdout carries only the report.
    this.#child = fork(WORKER, args, {
      execArgv: ['--expose-gc', ...execArgv],
      stdio: ['ignore', 2, 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    this.#child.on('message', (msg) => {
      const p = this.#pending.get(msg.id);
      if (!p) return;
      this.#pending.delete(msg.id);
      if (msg.error) p.reject(new Error(`${this.label}: ${msg.error}`));
      else p.resolve(msg);
    });
    this.#child.on('exit', (code, signal) => {
      this.#exited = `${this.label} exited (${code ?? signal})`;
      for (const p of this.#pending.values()) p.reject(new Error(this.#exited));
      this.#pending.clear();
    });
  }

  get pid() {
    return this.#child.pid;
  }

  #request(body) {
    if (this.#exited) return Promise.reject(new Error(this.#exited));
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#child.send({ id, ...body });
    });
  }

  async setup(module, name, params) {
    return (await this.#request({ cmd: 'setup', module, name, params })).info;
  }

  async round(n, round) {
    return (await this.#request({ cmd: 'round', n, round })).row;
  }

  /** Bytes allocated per operation over a batch of `n` (a worker started with `--alloc-probe`). */
  async alloc(n) {
    return (await this.#request({ cmd: 'alloc', n })).row;
  }

  async call(method, ...args) {
    return (await this.#request({ cmd: 'call', method, args })).value;
  }

  async exit() {
    if (this.#exited) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    await this.#request({ cmd: 'exit' }).catch(() => {});
    await exited;
  }

  kill() {
    if (!this.#exited) this.#child.kill('SIGKILL');
  }
}

/** Starts one worker per contender and sets them up (in parallel); `specs`: [{ key, label, module, name, params }]. */
export async function startWorkers(specs, log) {
  const workers = specs.map((s) => new Worker(s.label ?? s.key, s.execArgv, s.args));
  try {
    const infos = await Promise.all(
      specs.map(async (s, i) => {
        const t0 = Date.now();
        const info = await workers[i].setup(s.module, s.name, s.params);
        log(`  set up ${s.label ?? s.key} (pid ${workers[i].pid}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        return info;
      }),
    );
    return specs.map((s, i) => ({ ...s, worker: workers[i], info: infos[i] }));
  } catch (e) {
    for (const w of workers) w.kill();
    throw e;
  }
}

export async function stopWorkers(entries) {
  await Promise.all(entries.map((e) => e.worker.exit()));
}

/** `list` rotated left by `k`: round r starts with a different contender, so none always runs first. */
export const rotate = (list, k) => list.map((_, i) => list[(i + k) % list.length]);

/**
 * Alternated rounds over `entries` (each with a `worker`): `warmups` unreported rounds that also
 * calibrate each contender's batch size to about `targetMs`, then `rounds` reported ones. In every
 * round each contender runs one batch, in an order rotated from round to round. Returns
 * `{ n: { key: batch }, rows: [{ key: row, … } per round] }`.
 */
export async function alternate(entries, { warmups, rounds, targetMs, log, name }) {
  const n = Object.fromEntries(entries.map((e) => [e.key, e.startN ?? e.info?.startN ?? 1000]));
  const maxN = Object.fromEntries(entries.map((e) => [e.key, e.info?.maxN ?? Infinity]));
  for (let w = 0; w < warmups; w++) {
    for (const e of rotate(entries, w)) {
      const row = await e.worker.round(n[e.key], -1 - w);
      n[e.key] = Math.min(maxN[e.key], Math.max(1, Math.round((n[e.key] * targetMs * 1e6) / row.ns)));
    }
    log(`  ${name}: warm-up ${w + 1}/${warmups}`);
  }
  const rows = [];
  for (let r = 0; r < rounds; r++) {
    const row = {};
    for (const e of rotate(entries, r)) row[e.key] = await e.worker.round(n[e.key], r);
    rows.push(row);
    log(
      `  ${name}: round ${r + 1}/${rounds} ${entries.map((e) => `${e.key} ${(row[e.key].ns / row[e.key].ops).toFixed(0)} ns`).join(', ')}`,
    );
  }
  return { n, rows };
}
