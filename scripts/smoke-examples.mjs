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
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HOST = '127.0.0.1';

const EXAMPLES = {
  express: { build: false, readyMs: 180_000 }, // `npm start` builds keycard first (prestart)
  hono: { build: false, readyMs: 180_000 },
  next: { build: true, readyMs: 180_000, buildMs: 180_000 },
};

// ---------------------------------------------------------------------------------------------
// Children: every process started here runs in its own process group, killed on any exit.

const children = new Set();

function killAll() {
  for (const child of children) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  children.clear();
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    console.error(`\nsmoke: ${signal}, stopping`);
    killAll();
    process.exit(130);
  });
}

class SmokeError extends Error {}
const fail = (message) => {
  throw new SmokeError(message);
};
const check = (ok, message) => {
  if (!ok) fail(message);
};

/** Starts a command in its own process group; output is collected (and shown on failure). */
function run(args, env = {}) {
  const child = spawn('npm', args, {
    cwd: ROOT,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', FORCE_COLOR: '0', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.add(child);
  const proc = { child, output: '', exit: null };
  child.stdout.on('data', (d) => (proc.output += d));
  child.stderr.on('data', (d) => (proc.output += d));
  proc.exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      proc.exit = { code, signal };
      resolve(proc.exit);
    });
  });
  return proc;
}

function stop(proc) {
  children.delete(proc.child);
  try {
    process.kill(-proc.child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

const tail = (text, n = 40) => text.split('\n').slice(-n).join('\n');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve, reject) => server.listen(0, HOST, resolve).on('error', reject));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function portClosed(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, HOST);
    socket.on('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => resolve(true));
  });
}

// ---------------------------------------------------------------------------------------------
// Curl lines: `# → STATUS [code]: comment` then `curl …`, in the README's ```sh blocks and in what
// the server prints. A tiny shell-words parser turns them into fetch calls.

/** The `# → …` and `curl …` lines of a text, in order. */
function curlLines(text) {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('# → ') || line.startsWith('curl '));
}

function readmeCurlLines(name) {
  const readme = readFileSync(`${ROOT}examples/${name}/README.md`, 'utf8');
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
  return curlLines(blocks.join('\n'));
}

/** Splits a shell command line into words: '…', "…" with $VAR, bare words with $VAR. */
function shellWords(line, vars) {
  const expand = (s) =>
    s.replace(/\$([A-Z_][A-Z0-9_]*)/g, (_, name) => {
      if (!(name in vars)) fail(`curl line uses $${name}, which is not a demo token: ${line}`);
      return vars[name];
    });
  const words = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === ' ') i++;
    if (i >= line.length) break;
    let word = '';
    while (i < line.length && line[i] !== ' ') {
      const c = line[i];
      if (c === "'") {
        const end = line.indexOf("'", i + 1);
        if (end < 0) fail(`unbalanced ' in: ${line}`);
        word += line.slice(i + 1, end);
        i = end + 1;
      } else if (c === '"') {
        const end = line.indexOf('"', i + 1);
        if (end < 0) fail(`unbalanced " in: ${line}`);
        word += expand(line.slice(i + 1, end));
        i = end + 1;
      } else {
        let end = i;
        while (end < line.length && !' \'"'.includes(line[end])) end++;
        word += expand(line.slice(i, end));
        i = end;
      }
    }
    words.push(word);
  }
  return words;
}

/** A curl command line as a request: the URL, method, headers and body. */
function parseCurl(line, vars, base) {
  const words = shellWords(line.replace(/http:\/\/127\.0\.0\.1:\d+/g, base), vars);
  if (words[0] !== 'curl') fail(`not a curl line: ${line}`);
  const request = { url: null, method: null, headers: {}, body: undefined, saveCookies: null };
  for (let i = 1; i < words.length; i++) {
    const w = words[i];
    if (['-i', '-s', '-S', '-si', '--include', '--silent'].includes(w)) continue;
    else if (w === '-X' || w === '--request') request.method = words[++i];
    else if (w === '-H' || w === '--header') {
      const h = words[++i];
      const colon = h.indexOf(':');
      request.headers[h.slice(0, colon).trim()] = h.slice(colon + 1).trim();
    } else if (w === '-d' || w === '--data' || w === '--data-raw') request.body = words[++i];
    // A cookie jar, as curl keeps one: -c FILE saves the answer's cookies, -b FILE sends them.
    else if (w === '-c' || w === '--cookie-jar') request.saveCookies = words[++i];
    else if (w === '-b' || w === '--cookie') {
      const jar = words[++i];
      const cookies = Object.entries(cookieJars[jar] ?? {}).map(([k, v]) => `${k}=${v}`);
      check(cookies.length, `curl line reads cookie jar ${jar}, which no earlier line saved: ${line}`);
      request.headers.Cookie = cookies.join('; ');
    } else if (/^https?:\/\//.test(w)) request.url = w;
    else fail(`the smoke test does not understand curl option ${w} in: ${line}`);
  }
  check(request.url, `no URL in: ${line}`);
  request.method ??= request.body === undefined ? 'GET' : 'POST';
  return request;
}

/** Cookie jars by file name (`curl -c jar` / `-b jar`). */
const cookieJars = {};

/** `a.b.c` of a JSON value. */
const fieldOf = (value, dotted) =>
  dotted.split('.').reduce((v, k) => (v && typeof v === 'object' ? v[k] : undefined), value);

/**
 * Runs `# → …` + `curl …` pairs, checking each status and problem code. A comment holding
 * `export NAME=<a.b>` sets $NAME, for the lines below, to that field of the JSON answer (the
 * README asks the reader to do the same by hand). Redirects are not followed (curl without -L).
 */
async function runCurlLines(lines, vars, base) {
  vars = { ...vars };
  let expect = null;
  let n = 0;
  for (const line of lines) {
    if (line.startsWith('# → ')) {
      const m = /^# → (\d{3})(?: ([a-z_]+))?:/.exec(line);
      check(m, `cannot read the expectation ${JSON.stringify(line)} (want "# → 403 code: why")`);
      const exported = /export ([A-Z_][A-Z0-9_]*)=<([\w.]+)>/.exec(line);
      expect = { status: Number(m[1]), code: m[2] ?? null, text: line, exported };
      continue;
    }
    check(expect, `curl line without a "# → status" line above it: ${line}`);
    const req = parseCurl(line, vars, base);
    const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body, redirect: 'manual' });
    const body = await res.text();
    if (req.saveCookies) {
      const jar = (cookieJars[req.saveCookies] ??= {});
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair.indexOf('=');
        jar[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
      }
    }
    const where = `${req.method} ${new URL(req.url).pathname} (${expect.text.slice(4)})`;
    check(
      res.status === expect.status,
      `${where}: got ${res.status}, expected ${expect.status}: ${body.slice(0, 300)}`,
    );
    if (expect.code) {
      check(
        res.headers.get('content-type') === 'application/problem+json',
        `${where}: content-type ${res.headers.get('content-type')}`,
      );
      const code = JSON.parse(body).code;
      check(code === expect.code, `${where}: code ${code}, expected ${expect.code}`);
    }
    if (expect.exported) {
      const [, name, field] = expect.exported;
      const value = fieldOf(JSON.parse(body), field);
      check(
        typeof value === 'string' && value.length > 0,
        `${where}: no ${field} in the answer to export as ${name}: ${body.slice(0, 300)}`,
      );
      vars[name] = value;
    }
    expect = null;
    n++;
  }
  check(n > 0, 'no curl lines found');
  return n;
}

// ---------------------------------------------------------------------------------------------
// Checks the curl lines only show.

let apiCalls = 0;
async function api(base, path, token, init = {}) {
  apiCalls++;
  const headers = {
    ...(token ? { Authorization: `Bearer ${token}` } : {}),
    ...(init.body ? { 'Content-Type': 'application/json' } : {}),
  };
  const res = await fetch(`${base}${path}`, { ...init, headers });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, json, text };
}

async function contentChecks(base, t) {
  const before = apiCalls;
  // An unrestricted token sees both companies; the c1/p1 token only Acme, p1 and p1's tickets.
  const all = await api(base, '/api/v1/companies', t.TRIAGE);
  check(all.status === 200 && all.json.companies.length === 2, `TRIAGE should list 2 companies: ${all.text}`);
  check(
    all.headers.get('ratelimit-policy') === '"read";q=600;w=60',
    `RateLimit-Policy on a read: ${all.headers.get('ratelimit-policy')}`,
  );
  check(
    /^"read";r=\d+;t=\d+$/.test(all.headers.get('ratelimit') ?? ''),
    `RateLimit on a read: ${all.headers.get('ratelimit')}`,
  );

  const companies = await api(base, '/api/v1/companies', t.ACME_WEBSITE);
  check(companies.status === 200, `ACME_WEBSITE companies: ${companies.status}`);
  check(
    JSON.stringify(companies.json.companies.map((c) => c.id)) === '["c1"]',
    `ACME_WEBSITE should list only c1: ${companies.text}`,
  );

  const projects = await api(base, '/api/v1/companies/c1/projects', t.ACME_WEBSITE);
  check(
    projects.status === 200 && JSON.stringify(projects.json.projects.map((p) => p.id)) === '["p1"]',
    `ACME_WEBSITE should list only project p1 of c1: ${projects.text}`,
  );

  const everything = await api(base, '/api/v1/tickets', t.TRIAGE);
  const mine = await api(base, '/api/v1/tickets', t.ACME_WEBSITE);
  check(mine.status === 200 && mine.json.tickets.length > 0, `ACME_WEBSITE should see some tickets: ${mine.text}`);
  check(
    mine.json.tickets.every((row) => row.companyId === 'c1' && row.projectId === 'p1'),
    `ACME_WEBSITE's listing holds a row outside c1/p1: ${mine.text}`,
  );
  check(everything.json.tickets.length > mine.json.tickets.length, 'TRIAGE should see more tickets than ACME_WEBSITE');

  // A write is stamped with the token that made it.
  const created = await api(base, '/api/v1/companies/c1/projects/p1/tickets', t.ACME_WEBSITE, {
    method: 'POST',
    body: JSON.stringify({ title: 'smoke test ticket' }),
  });
  check(created.status === 201, `create ticket: ${created.status} ${created.text}`);
  const row = created.json.ticket;
  check(
    /^tok_/.test(row.tokenId) && row.tokenLabel === 'website agent' && row.ownerId === 'u_jason',
    `the ticket is not stamped: ${created.text}`,
  );
  check(row.attribution === 'Jason (website agent) · via API', `attribution: ${row.attribution}`);
  check(
    created.headers.get('ratelimit-policy') === '"write";q=60;w=60',
    `RateLimit-Policy on a write: ${created.headers.get('ratelimit-policy')}`,
  );
  const comment = await api(base, `/api/v1/tickets/${row.id}/comments`, t.SLACK_BOT, {
    method: 'POST',
    body: JSON.stringify({ body: 'seen' }),
  });
  check(
    comment.status === 201 && comment.json.comment.attribution === 'Priya (slack bot #support) · via API',
    `comment: ${comment.text}`,
  );

  // The denials are the contract's: a challenge naming the scope, no challenge for a resource.
  const scope = await api(base, `/api/v1/tickets/${row.id}/assign`, t.SLACK_BOT, {
    method: 'POST',
    body: '{"assignee":"u_maria"}',
  });
  check(
    scope.status === 403 && scope.json.code === 'insufficient_scope',
    `SLACK_BOT assign: ${scope.status} ${scope.text}`,
  );
  check(
    /scope="tickets:assign"/.test(scope.headers.get('www-authenticate') ?? ''),
    `WWW-Authenticate: ${scope.headers.get('www-authenticate')}`,
  );
  const foreign = await api(base, '/api/v1/tickets/t4/comments', t.ACME_WEBSITE, {
    method: 'POST',
    body: '{"body":"not mine"}',
  });
  check(
    foreign.status === 403 &&
      foreign.json.code === 'forbidden_resource' &&
      foreign.json.detail === 'Token not allowed for company c2',
    `ACME_WEBSITE comment on t4: ${foreign.status} ${foreign.text}`,
  );
  check(foreign.headers.get('www-authenticate') === null, 'a forbidden_resource answer has no WWW-Authenticate');
  const bogus = await api(base, '/api/v1/companies', 'toado_sk_1AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
  check(bogus.status === 401 && bogus.json.code === 'invalid_token', `a forged token: ${bogus.status} ${bogus.text}`);
  return apiCalls - before;
}

/**
 * SPEC §8 through the real server: the rows a demo server can produce, with their exact bytes.
 * The same probes run against every example and must give identical answers (compared at the end).
 */
const GOLDEN = {
  missing_token:
    '{"type":"about:blank","title":"Unauthorized","status":401,"detail":"Missing bearer token","code":"missing_token"}',
  invalid_request:
    '{"type":"about:blank","title":"Bad Request","status":400,"detail":"Malformed Authorization header","code":"invalid_request"}',
  invalid_token:
    '{"type":"about:blank","title":"Unauthorized","status":401,"detail":"Invalid token","code":"invalid_token"}',
  insufficient_scope:
    '{"type":"about:blank","title":"Forbidden","status":403,"detail":"Token missing scope: tickets:write","code":"insufficient_scope"}',
  forbidden_resource:
    '{"type":"about:blank","title":"Forbidden","status":403,"detail":"Token not allowed for project p2","code":"forbidden_resource"}',
};

function rawHttp(port, method, path, lines) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, HOST);
    const chunks = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('raw request timed out')));
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const head = text.slice(0, split).split('\r\n');
      const headers = new Map(
        head.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      );
      resolve({ status: Number(head[0].split(' ')[1]), headers, body: text.slice(split + 4) });
    });
    socket.write([`${method} ${path} HTTP/1.0`, `Host: ${HOST}`, ...lines, '', ''].join('\r\n'));
  });
}

async function contractProbe(port, t, name) {
  const companies = '/api/v1/companies';
  const probes = [
    ['missing_token', 'GET', companies, []],
    ['missing_token', 'GET', companies, ['Authorization: Basic dXNlcjpwYXNz']],
    // Node's HTTP parser keeps only the first of repeated Authorization lines in req.headers, which
    // is all `next start` hands to route handlers (docs/next.md); Express and Hono read rawHeaders.
    ...(name === 'next'
      ? []
      : [
          [
            'invalid_request',
            'GET',
            companies,
            [`Authorization: Bearer ${t.TRIAGE}`, `Authorization: Bearer ${t.TRIAGE}`],
          ],
        ]),
    ['invalid_request', 'GET', companies, [`Authorization: Bearer ${t.TRIAGE}, ${t.TRIAGE}`]],
    [
      'invalid_token',
      'GET',
      companies,
      ['Authorization: Bearer toado_sk_1AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ],
    [
      'insufficient_scope',
      'POST',
      '/api/v1/companies/c1/projects/p1/tickets',
      [`Authorization: Bearer ${t.DASHBOARD}`, 'Content-Type: application/json', 'Content-Length: 2'],
    ],
    [
      'forbidden_resource',
      'GET',
      '/api/v1/companies/c1/projects/p2/tickets',
      [`Authorization: Bearer ${t.ACME_WEBSITE}`],
    ],
  ];
  const answers = [];
  for (const [code, method, path, lines] of probes) {
    const r = await rawHttp(port, method, path, method === 'POST' ? [...lines] : lines);
    const what = `${code} (${method} ${path}, ${lines.length} header lines)`;
    check(r.body === GOLDEN[code], `${what}: body ${r.body}`);
    check(
      r.headers.get('content-type') === 'application/problem+json',
      `${what}: content-type ${r.headers.get('content-type')}`,
    );
    check(r.headers.get('cache-control') === 'no-store', `${what}: cache-control ${r.headers.get('cache-control')}`);
    answers.push(`${r.status} ${r.headers.get('www-authenticate') ?? '-'} ${r.body}`);
  }
  return answers;
}

/** Next: one token, one budget across three route handlers (the keycard on globalThis). */
async function sharedLimiterCheck(base, token) {
  const seen = [];
  for (const [path, want] of [
    ['/api/v1/companies', 2],
    ['/api/v1/tickets', 1],
    ['/api/v1/companies/c1/projects', 0],
  ]) {
    const r = await api(base, path, token);
    const rl = r.headers.get('ratelimit') ?? '';
    seen.push(`${path} ${r.status} ${rl}`);
    check(r.status === 200, `CI_TIGHT ${path}: ${r.status} ${r.text}`);
    check(
      r.headers.get('ratelimit-policy') === '"default";q=3;w=60',
      `CI_TIGHT policy: ${r.headers.get('ratelimit-policy')}`,
    );
    check(
      new RegExp(`^"default";r=${want};t=\\d+$`).test(rl),
      `CI_TIGHT on ${path}: RateLimit ${rl}, expected r=${want} (routes do not share one limiter?)`,
    );
  }
  const over = await api(base, '/api/v1/tickets/t1', token);
  seen.push(
    `/api/v1/tickets/t1 ${over.status} ${over.headers.get('ratelimit')} Retry-After: ${over.headers.get('retry-after')}`,
  );
  check(over.status === 429 && over.json?.code === 'rate_limited', `CI_TIGHT 4th request: ${over.status} ${over.text}`);
  check(Number(over.headers.get('retry-after')) >= 1, `Retry-After: ${over.headers.get('retry-after')}`);
  return seen;
}

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

async function smoke(name) {
  const spec = EXAMPLES[name];
  const times = {};
  let t0 = Date.now();
  let proc = null;
  try {
    if (spec.build) {
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
