// keycard — audit store bench (issue 18): sustained audit throughput into a real Postgres server at
// 1, 10 and 100 concurrent request streams, and the cost the Postgres audit store adds to
// authenticate() next to the memory sink, in the same run.
//
//   node bench/audit.js [--quick]      (after `npm run build`; run.js's `audit` part calls it)
//
// Uses DATABASE_URL when set, else starts its own server with scripts/postgres-server.sh (stopped at
// exit). Prints Markdown on stdout, progress on stderr. Nothing here asserts a timing.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createKeycard, defineScopes, memoryAuditSink, memoryLimiter, memoryTokenStore } from '../dist/index.js';
import { fromPg, migrate, postgresAuditStore } from '../dist/postgres.js';

const QUICK = process.argv.includes('--quick');
const log = (...a) => console.error(...a);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const script = fileURLToPath(new URL('../scripts/postgres-server.sh', import.meta.url));

let url = process.env.DATABASE_URL;
let ownDir = null;
if (!url) {
  const out = execFileSync('bash', [script, 'start'], { encoding: 'utf8' });
  url = /DATABASE_URL=(\S+?);/.exec(out)[1];
  ownDir = /KEYCARD_PG_DIR=(\S+?);/.exec(out)[1];
  process.on('exit', () => execFileSync('bash', [script, 'stop', ownDir]));
}
const pool = new pg.Pool({ connectionString: url, max: 8 });
pool.on('error', () => {});
await migrate(fromPg(pool));
const version = (await pool.query('SHOW server_version')).rows[0].server_version;

const scopes = defineScopes({ read: {} }, { defaults: ['read'] });
async function instance(audit) {
  const keycard = createKeycard({
    prefix: 'bench',
    scopes,
    store: memoryTokenStore(),
    limiter: memoryLimiter(),
    rateLimit: { limit: 2 ** 31 - 1, window: 60 },
    audit,
    onWarning: () => {},
  });
  const { token } = await keycard.issue({ ownerId: 'usr_bench', label: 'bench' });
  const request = { method: 'GET', url: '/v1/items', headers: { authorization: `Bearer ${token}` } };
  return { keycard, auth: () => keycard.authenticate(request) };
}
const tick = () => new Promise((r) => setImmediate(r));

// ── 1. throughput ──
const PER_STREAM_TOTAL = QUICK ? 20_000 : 100_000;
const throughput = [];
for (const requests of ['all', 'rollup']) {
  for (const streams of [1, 10, 100]) {
    let lost = 0;
    const audit = postgresAuditStore(fromPg(pool), {
      requests,
      queueSize: 1_000_000,
      onError: (e) => (lost += e.lost ?? 0),
    });
    const { keycard, auth } = await instance(audit);
    const each = Math.ceil(PER_STREAM_TOTAL / streams);
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: streams }, async () => {
        for (let i = 0; i < each; i++) {
          const r = auth();
          if (r instanceof Promise) await r;
          if (i % 20 === 19) await tick(); // a request stream yields to I/O as a server does
        }
      }),
    );
    await audit.flush();
    const ms = performance.now() - t0;
    const events = each * streams;
    throughput.push({ requests, streams, events, ms, lost });
    log(`throughput ${requests} ${streams} streams: ${Math.round((events / ms) * 1000)} events/s`);
    await keycard.close();
    await audit.close();
  }
}
await pool.query(
  "DELETE FROM keycard_audit_events WHERE token_id IN (SELECT DISTINCT token_id FROM keycard_audit_events WHERE owner_id = 'usr_bench')",
);

// ── 2. cost added to authenticate() ──
const N = QUICK ? 20_000 : 100_000;
const ROUNDS = QUICK ? 5 : 10;
const sink = memoryAuditSink();
const withMemory = await instance([sink]);
const pgAudit = postgresAuditStore(fromPg(pool), { requests: 'rollup', onError: () => {} });
const withPg = await instance(pgAudit);
const pgAll = postgresAuditStore(fromPg(pool), { requests: 'all', onError: () => {} });
const withPgAll = await instance(pgAll);
async function batch(inst, flush) {
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const r = inst.auth();
    if (r instanceof Promise) await r;
    if (i % 100 === 99) await tick();
  }
  await tick();
  await flush();
  sink.clear();
  return ((performance.now() - t0) * 1e6) / N; // ns per request, background writes included
}
const contenders = [
  ['memory sink', withMemory, async () => {}],
  ['postgres store (rollup)', withPg, () => pgAudit.flush()],
  ["postgres store (requests: 'all')", withPgAll, () => pgAll.flush()],
];
for (const [, inst, flush] of contenders) await batch(inst, flush); // warm-up
const ns = contenders.map(() => []);
for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < contenders.length; k++) {
    const j = (k + round) % contenders.length; // rotated order
    ns[j].push(await batch(contenders[j][1], contenders[j][2]));
  }
}
const base = median(ns[0]);
for (const c of [withMemory, withPg, withPgAll]) await c.keycard.close();
await pgAudit.close();
await pgAll.close();
await pool.query("DELETE FROM keycard_audit_events WHERE owner_id = 'usr_bench'");
await pool.query("DELETE FROM keycard_audit_usage WHERE token_id LIKE 'tok_%'");
await pool.end();

const lines = [
  `Postgres ${version} on 127.0.0.1 (${ownDir ? 'started by the bench' : 'DATABASE_URL'}), node-postgres pool of 8, store defaults (batches of 500, 2 in flight). ${QUICK ? 'Quick run.' : ''}`,
  '',
  `**Sustained throughput** — ${PER_STREAM_TOTAL.toLocaleString('en')} authenticated requests split over S concurrent streams (each yields to I/O every 20 requests), timed until every event is committed (\`flush()\`):`,
  '',
  '| requests | streams | events | events/s committed | lost |',
  '|---|---:|---:|---:|---:|',
  ...throughput.map(
    (t) =>
      `| ${t.requests} | ${t.streams} | ${t.events.toLocaleString('en')} | ${Math.round((t.events / t.ms) * 1000).toLocaleString('en')} | ${t.lost} |`,
  ),
  '',
  `**Cost added to authenticate()** — a cached token, ${N.toLocaleString('en')} requests per batch, ${ROUNDS} rotated rounds, time per request including the background writes (the batch ends after \`flush()\`); median:`,
  '',
  '| audit | µs/request | vs memory sink |',
  '|---|---:|---:|',
  ...contenders.map(
    ([name], i) =>
      `| ${name} | ${(median(ns[i]) / 1000).toFixed(2)} | ${i === 0 ? '—' : `${((median(ns[i]) / base - 1) * 100).toFixed(1)} %`} |`,
  ),
];
console.log(lines.join('\n'));
