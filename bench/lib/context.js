// The bench run's context: command-line options, CONFIG, the log, the temporary folder and its
// clean-ups, and the machine the figures were measured on.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const started = Date.now();
export const argv = process.argv.slice(2);
export const QUICK = argv.includes('--quick');
export const WRITE = !argv.includes('--no-write');
export const PARTS = ['verify', 'limiter', 'memory', 'timeline', 'alloc', 'http', 'redis', 'audit', 'size'];
export const ONLY =
  argv
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',')
    .filter(Boolean) ?? null;
if (ONLY && ONLY.some((p) => !PARTS.includes(p))) {
  console.error(`unknown part in --only; known: ${PARTS.join(', ')}`);
  process.exit(2);
}
export const wanted = (part) => !ONLY || ONLY.includes(part);

/** Rounds and batch times. `--quick` keeps every shape (100,000 records, 10,000 keys, 50 connections) and cuts the time. */
export const CONFIG = QUICK
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

export const log = (...a) => console.error(...a);
export const tmp = mkdtempSync(join(os.tmpdir(), 'keycard-bench-'));
export const cleanups = [() => rmSync(tmp, { recursive: true, force: true })];
export const cleanup = () => {
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

export const cpus = os.cpus();
export const machine = {
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
export function sourceState() {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const git = (...a) => spawnSync('git', ['-C', root, ...a], { encoding: 'utf8' });
  const head = git('rev-parse', '--short', 'HEAD');
  if (head.status !== 0) return 'unknown (not a git checkout)';
  const dirty = git('status', '--porcelain', '--', 'src', 'package.json', 'tsup.config.ts')
    .stdout.split('\n')
    .filter(Boolean).length;
  return `${head.stdout.trim()}${dirty ? ` + ${dirty} uncommitted change(s) under src/ and build config` : ' (clean)'}`;
}
