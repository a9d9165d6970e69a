#!/usr/bin/env node
// Smoke test of the example servers (examples/express, examples/hono, examples/next).
//
//   npm run build && node scripts/smoke-examples.mjs [express] [hono] [next]
//
// For each example: start it the way its README says (`npm start -w examples/<name>`, after
// `npm run build -w examples/next` for Next) on a free port; wait until it listens; read the demo
// tokens (Express, Hono: the `export NAME='…'` lines it prints; Next: GET /api/demo-tokens, which
// exists only with KEYCARD_DEMO=1); run every curl line of its README — and check that the server
// prints the same lines — with Node's fetch (no curl binary needed), checking each status and
// problem `code` against the `# → 403 insufficient_scope` line above it; check what the curl lines
// only show (a restricted token's listings hold only its rows, the attribution of a write, the
// RateLimit headers; for Next, one token's budget shared by three route handlers down to a 429);
// then send SIGTERM to `npm start` and check it exits 0 within 10 s and the port is closed.
// Exits non-zero with a message naming the failed check; children are always killed.
//
// SMOKE_REUSE_BUILD=1 is for CI right after its own `npm run build` of this tree: the example's
// existing `.next` build is used instead of building again. It is refused (the example is built)
// when `.next/BUILD_ID` is older than the newest file under dist/ or the example's sources
// (examples/next without .next and node_modules), so a stale build is never smoke-tested.
import { existsSync, readdirSync, statSync } from 'node:fs';
import {
  HOST,
  ROOT,
  SmokeError,
  check,
  children,
  fail,
  freePort,
  portClosed,
  run,
  seconds,
  sleep,
  stop,
  tail,
} from './smoke/children.mjs';
import { curlLines, readmeCurlLines, runCurlLines } from './smoke/curl.mjs';
import { contentChecks, contractProbe, sharedLimiterCheck } from './smoke/checks.mjs';

const EXAMPLES = {
  express: { build: false, readyMs: 180_000 }, // `npm start` builds keycard first (prestart)
  hono: { build: false, readyMs: 180_000 },
  next: { build: true, readyMs: 180_000, buildMs: 180_000 },
};

// ---------------------------------------------------------------------------------------------

async function waitFor(proc, what, ms, ready) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (proc.exit) fail(`${what}: the process exited (${JSON.stringify(proc.exit)}) before it was ready`);
    const value = await ready();
    if (value) return value;
    await sleep(200);
  }
  fail(`${what}: not ready within ${seconds(ms)}`);
}

/** The newest modification time (ms) of a file under `dir` (0 when none), skipping .next and node_modules. */
function newestUnder(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === '.next' || entry.name === 'node_modules') continue;
    const path = `${dir}/${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestUnder(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Whether the example's `.next` build may be reused: its BUILD_ID exists and is not older than
 * any file under dist/ or the example's sources. Says why when it may not.
 */
function freshBuild(name) {
  const id = `${ROOT}examples/${name}/.next/BUILD_ID`;
  if (!existsSync(id)) return false;
  const built = statSync(id).mtimeMs;
  const newest = Math.max(newestUnder(`${ROOT}dist`), newestUnder(`${ROOT}examples/${name}`));
  if (newest > built) console.log(`[${name}] SMOKE_REUSE_BUILD=1 refused: .next/BUILD_ID is older than its sources`);
  return newest <= built;
}

async function smoke(name) {
  const spec = EXAMPLES[name];
  const times = {};
  let t0 = Date.now();
  let proc = null;
  try {
    // SMOKE_REUSE_BUILD=1 (CI, which has just run that same build from this tree): an existing
    // build is used as it is, not built a second time, unless it is older than what it was built from.
    const reuse = process.env.SMOKE_REUSE_BUILD === '1' && spec.build && freshBuild(name);
    if (reuse) console.log(`[${name}] build reused (SMOKE_REUSE_BUILD=1)`);
    if (spec.build && !reuse) {
      console.log(`[${name}] npm run build -w examples/${name}`);
      const build = run(['run', 'build', '-w', `examples/${name}`]);
      const result = await Promise.race([build.exited, sleep(spec.buildMs).then(() => null)]);
      if (!result) {
        stop(build);
        fail(`build did not finish within ${seconds(spec.buildMs)}\n${tail(build.output)}`);
      }
      children.delete(build.child);
      if (result.code !== 0) fail(`build failed (${JSON.stringify(result)})\n${tail(build.output)}`);
      times.build = Date.now() - t0;
    }

    const port = await freePort();
    const base = `http://${HOST}:${port}`;
    console.log(`[${name}] npm start -w examples/${name} (PORT=${port})`);
    t0 = Date.now();
    proc = run(['start', '-w', `examples/${name}`], { PORT: String(port) });

    let tokens;
    if (name === 'next') {
      // Next logs "Ready" before it has loaded the app: ready is when the demo tokens answer.
      tokens = await waitFor(proc, 'next start', spec.readyMs, async () => {
        try {
          const r = await fetch(`${base}/api/demo-tokens`);
          if (r.status !== 200) return null;
          return Object.fromEntries((await r.json()).tokens.map((t) => [t.env, t.token]));
        } catch {
          return null;
        }
      });
      check(
        proc.output.includes(`export TRIAGE='${tokens.TRIAGE}'`),
        'next: the tokens served by /api/demo-tokens are not the ones printed at start',
      );
    } else {
      await waitFor(proc, `${name} start`, spec.readyMs, async () => proc.output.includes(`Listening on ${base}`));
      tokens = Object.fromEntries([...proc.output.matchAll(/^export ([A-Z_]+)='([^']+)'$/gm)].map((m) => [m[1], m[2]]));
    }
    times.start = Date.now() - t0;
    for (const env of ['TRIAGE', 'DASHBOARD', 'SLACK_BOT', 'ACME_WEBSITE', ...(name === 'next' ? ['CI_TIGHT'] : [])]) {
      check(tokens[env]?.startsWith('toado_sk_1'), `no ${env} demo token`);
    }

    // The README's curl lines, which the server prints too.
    t0 = Date.now();
    const readme = readmeCurlLines(name);
    const anyPort = (l) => l.replace(/http:\/\/127\.0\.0\.1:\d+/g, 'http://127.0.0.1:PORT');
    const printed = curlLines(proc.output).map(anyPort);
    const documented = readme.map(anyPort);
    const firstDiff = documented.findIndex((l, i) => l !== printed[i]);
    check(
      firstDiff < 0 && printed.length === documented.length,
      `the curl lines the server prints differ from the README's (line ${firstDiff + 1}):\n  README:  ${documented[firstDiff]}\n  printed: ${printed[firstDiff]}`,
    );
    const requests = await runCurlLines(readme, tokens, base);
    const contract = await contractProbe(port, tokens, name);
    const extra = await contentChecks(base, tokens);
    let limiter = null;
    if (name === 'next') limiter = await sharedLimiterCheck(base, tokens.CI_TIGHT);
    times.requests = Date.now() - t0;

    // SIGTERM to `npm start`: exit 0 within 10 s, and the port closed.
    t0 = Date.now();
    process.kill(proc.child.pid, 'SIGTERM');
    const exit = await Promise.race([proc.exited, sleep(10_000).then(() => null)]);
    check(exit, `did not exit within 10 s of SIGTERM\n${tail(proc.output)}`);
    check(exit.code === 0, `exited with ${JSON.stringify(exit)} after SIGTERM, expected 0\n${tail(proc.output)}`);
    check(await portClosed(port), `port ${port} still accepts connections after exit`);
    times.shutdown = Date.now() - t0;
    stop(proc);
    return { name, ok: true, times, requests, extra, limiter, contract };
  } catch (error) {
    if (proc) {
      stop(proc);
      if (!(error instanceof SmokeError) || !error.message.includes('\n'))
        error.message += `\n--- last output of npm start -w examples/${name} ---\n${tail(proc.output)}`;
    }
    return { name, ok: false, times, error };
  }
}

const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(EXAMPLES);
for (const name of names) {
  if (!EXAMPLES[name]) {
    console.error(`smoke: unknown example ${name}; known: ${Object.keys(EXAMPLES).join(', ')}`);
    process.exit(2);
  }
}
if (!existsSync(`${ROOT}dist/index.js`)) {
  console.error(
    'smoke: keycard is not built (dist/index.js is missing): run `npm run build` at the repository root first.',
  );
  process.exit(1);
}

const started = Date.now();
const results = [];
for (const name of names) {
  const result = await smoke(name);
  results.push(result);
  if (result.ok) {
    console.log(`[${name}] ok: ${result.requests} README curl lines, ${result.extra} more requests checked`);
    if (result.limiter) for (const line of result.limiter) console.log(`[${name}]   shared limiter: ${line}`);
  } else {
    console.error(`[${name}] FAILED: ${result.error.message}`);
  }
}

// Every adapter answers the SPEC §8 probes with the same bytes.
const probed = results.filter((r) => r.ok && r.contract);
// Next has no doubled-field probe (index 2 of the others): compare the rest.
const comparable = (r, other) =>
  r.contract.length > other.contract.length ? r.contract.filter((_, i) => i !== 2) : r.contract;
for (const r of probed.slice(1)) {
  const same = JSON.stringify(comparable(r, probed[0])) === JSON.stringify(comparable(probed[0], r));
  if (!same) {
    r.ok = false;
    r.error = new Error(
      `SPEC §8 answers of ${r.name} differ from ${probed[0].name}:\n  ${r.contract.join('\n  ')}\nvs\n  ${probed[0].contract.join('\n  ')}`,
    );
    console.error(`[${r.name}] FAILED: ${r.error.message}`);
  }
}
if (probed.length > 1)
  console.log(
    `SPEC §8: ${probed[0].contract.length} probes answered with identical bytes by ${probed.map((r) => r.name).join(', ')}`,
  );

console.log('\nsummary');
for (const r of results) {
  const t = Object.entries(r.times)
    .map(([k, v]) => `${k} ${seconds(v)}`)
    .join(', ');
  console.log(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.name.padEnd(8)} ${t}`);
}
const failed = results.filter((r) => !r.ok).length;
console.log(`  total ${seconds(Date.now() - started)}`);
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
