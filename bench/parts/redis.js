// bench part: redis.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmtUs, group, median } from '../lib/common.js';
import { alternate, startWorkers, stopWorkers } from '../lib/pool.js';
import { CONFIG, cleanups, log, tmp } from '../lib/context.js';
import { nsPerOp, ratioColumn, roundsTable, section, series, statFooter, target } from '../lib/report.js';

// ── part 4: Redis ────────────────────────────────────────────────────────────────────────────

export const REDIS_SERVER = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p)) ?? null;
export const KEYCARD_REDIS =
  process.env.BENCH_KEYCARD_REDIS ?? fileURLToPath(new URL('../../dist/redis.js', import.meta.url));

export function freePort() {
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
export async function startRedis() {
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
export async function serverReading(admin) {
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

export async function partRedis() {
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
