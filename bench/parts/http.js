// bench part: http.

import autocannon from 'autocannon';
import { fmtUs, group } from '../lib/common.js';
import { rotate, startWorkers, stopWorkers } from '../lib/pool.js';
import { CONFIG, log } from '../lib/context.js';
import { fmtStat, roundsTable, section, series, statFooter, target, targets } from '../lib/report.js';

// ── part 3: HTTP ─────────────────────────────────────────────────────────────────────────────

export const HTTP_GROUPS = [
  {
    key: 'node',
    title: '`node:http`',
    servers: [
      ['nodeBare', 'bare'],
      ['nodeFloor', 'floor'],
      ['nodeKeycard', 'keycard'],
    ],
    auth: ['nodeFloor', 'nodeKeycard'],
    limit: 6,
  },
  {
    key: 'express',
    title: 'Express 5',
    servers: [
      ['expressBare', 'bare'],
      ['expressKeycard', 'keycard'],
      ['expressPeer', 'peer'],
    ],
    auth: ['expressKeycard', 'expressPeer'],
    limit: 15,
  },
  {
    key: 'hono',
    title: 'Hono (`@hono/node-server`)',
    servers: [
      ['honoBare', 'bare'],
      ['honoKeycard', 'keycard'],
      ['honoPeer', 'peer'],
    ],
    auth: ['honoKeycard', 'honoPeer'],
    limit: 6,
  },
];

export async function load(port, token, seconds) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/tickets`,
    connections: 50,
    pipelining: 1,
    duration: seconds,
    headers: { authorization: `Bearer ${token}` },
  });
  const total = result.requests.total;
  if (result.errors || result.timeouts || result.non2xx || result['2xx'] !== total || total === 0) {
    throw new Error(
      `load on port ${port}: ${total} requests, ${result['2xx']} 2xx, ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  return { rps: total / result.duration, p99: result.latency.p99, total, seconds: result.duration };
}

export async function partHttp() {
  log('part 3: HTTP');
  const module = 'http.js';
  // The keycard servers issue their tokens; each group's other servers are given that group's token.
  const keycards = await startWorkers(
    HTTP_GROUPS.map((g) => {
      const name = g.servers.find(([, role]) => role === 'keycard')[0];
      return { key: name, label: `${g.key} + keycard`, module, name, params: {} };
    }),
    log,
  );
  const tokenOf = Object.fromEntries(HTTP_GROUPS.map((g, i) => [g.key, keycards[i].info.token]));
  const others = await startWorkers(
    HTTP_GROUPS.flatMap((g) =>
      g.servers
        .filter(([, role]) => role !== 'keycard')
        .map(([name, role]) => ({
          key: name,
          label: `${g.key} ${role}`,
          module,
          name,
          params: { token: tokenOf[g.key] },
        })),
    ),
    log,
  );
  const servers = Object.fromEntries([...keycards, ...others].map((e) => [e.key, e]));
  const cpuMicros = (u) => u.user + u.system;

  async function measure(name, token, seconds) {
    const s = servers[name];
    const before = await s.worker.call('stats');
    const r = await load(s.info.port, token, seconds);
    const after = await s.worker.call('stats');
    const cpuNsPerReq = ((cpuMicros(after.cpu) - cpuMicros(before.cpu)) * 1000) / r.total;
    if (after.audited !== null && after.audited - before.audited < r.total)
      throw new Error(`${name}: ${after.audited - before.audited} audit events for ${r.total} requests`);
    return { ...r, cpuNsPerReq, busy: (cpuMicros(after.cpu) - cpuMicros(before.cpu)) / 1e6 / r.seconds };
  }

  for (const g of HTTP_GROUPS) {
    for (const [name] of g.servers) {
      await measure(name, tokenOf[g.key], CONFIG.httpWarmSeconds);
      log(`  http: warmed ${name}`);
    }
  }
  const rows = { node: [], express: [], hono: [] };
  for (let r = 0; r < CONFIG.httpRounds; r++) {
    for (const g of HTTP_GROUPS) {
      const row = {};
      for (const [name] of rotate(g.servers, r)) row[name] = await measure(name, tokenOf[g.key], CONFIG.httpSeconds);
      rows[g.key].push(row);
      log(
        `  http ${g.key}: round ${r + 1}/${CONFIG.httpRounds} ${g.servers.map(([n, role]) => `${role} ${group(row[n].rps)} req/s`).join(', ')}`,
      );
    }
  }
  await stopWorkers([...keycards, ...others]);

  const blocks = [
    `autocannon (in the orchestrating process) against each server in its own process on 127.0.0.1: 50 connections, no pipelining, \`GET /tickets\` with \`Authorization: Bearer <token>\` — one valid token on every request, the same for every server of a group (\`hono/bearer-auth\` takes a fixed list of tokens and hashes each candidate with WebCrypto, so a single token is its intended use) — ${CONFIG.httpRounds} alternated rounds of ${CONFIG.httpSeconds} s after a ${CONFIG.httpWarmSeconds} s warm-up of each server. Every response must be a 2xx. Each server answers \`{"tickets":[]}\`. keycard servers hold 10,000 issued tokens, the memory limiter (1e9 per 60 s) and a counting audit sink; the Express peer is a hand-written bearer check (SHA-256, a \`Map\` of 10,000 hashed keys, a scope test) followed by \`express-rate-limit\` (1e9 per 60 s, keyed by the key's id, draft-8 headers); the Hono peer is \`hono/bearer-auth\` with the token; node:http + floor runs the floor of part 1 over 10,000 tokens.`,
    'Per-request auth cost, per round: 1 / rps(auth) − 1 / rps(bare), from the same round. "server CPU" is the server process\'s CPU time (user + system) per request, and "busy" its CPU time over wall time: with the load generator on the other core, a bare server below ~0.9 busy means the load generator, not the server, set the pace, and the rps-based cost then under-reads; the CPU-based cost (CPU per request minus bare\'s) does not depend on who set the pace.',
  ];
  for (const g of HTTP_GROUPS) {
    const rs = rows[g.key];
    const bare = g.servers[0][0];
    const cost = (name) => (row) => (1 / row[name].rps - 1 / row[bare].rps) * 1e9; // ns
    const cpuCost = (name) => (row) => row[name].cpuNsPerReq - row[bare].cpuNsPerReq;
    const kcName = g.servers.find(([, role]) => role === 'keycard')[0];
    const otherName = g.auth.find((n) => n !== kcName);
    const otherRole = g.servers.find(([n]) => n === otherName)[1];
    const kcCost = series(rs, cost(kcName));
    target(
      '3 HTTP',
      `${g.title}: keycard auth cost ≤ ${g.limit} µs per request`,
      kcCost,
      'us',
      kcCost.median <= g.limit * 1000,
    );
    if (otherRole === 'peer') {
      const peerCost = series(rs, cost(otherName));
      const diff = series(rs, (row) => cost(otherName)(row) - cost(kcName)(row));
      target(
        '3 HTTP',
        `${g.title}: keycard below its peer stack (peer cost − keycard cost > 0; peer cost ${fmtUs(peerCost.median)} µs)`,
        diff,
        'us',
        diff.median > 0,
      );
    } else {
      const floorCost = series(rs, cost(otherName));
      targets.push({
        part: '3 HTTP',
        wording: `${g.title}: floor auth cost (the noise reference, not a target)`,
        measured: fmtStat(floorCost, 'us'),
        met: null,
      });
    }
    const columns = [
      ...g.servers.map(([n, role]) => ({
        title: `${role} req/s`,
        value: (row) => row[n].rps,
        fmt: group,
        cell: (row) => group(row[n].rps),
      })),
      ...g.servers.map(([n, role]) => ({
        title: `${role} p99 ms`,
        value: (row) => row[n].p99,
        fmt: (x) => x.toFixed(0),
        cell: (row) => String(row[n].p99),
      })),
      ...g.auth.map((n) => {
        const role = g.servers.find(([m]) => m === n)[1];
        return { title: `${role} cost µs`, value: cost(n), fmt: fmtUs, cell: (row) => fmtUs(cost(n)(row)) };
      }),
      ...g.servers.map(([n, role]) => ({
        title: `${role} server CPU µs/req (busy)`,
        value: (row) => row[n].cpuNsPerReq,
        fmt: fmtUs,
        cell: (row) => `${fmtUs(row[n].cpuNsPerReq)} (${row[n].busy.toFixed(2)})`,
      })),
      ...g.auth.map((n) => {
        const role = g.servers.find(([m]) => m === n)[1];
        return { title: `${role} CPU cost µs`, value: cpuCost(n), fmt: fmtUs, cell: (row) => fmtUs(cpuCost(n)(row)) };
      }),
    ];
    blocks.push(`### ${g.title}`, roundsTable(rs, columns, statFooter(rs)));
  }
  section('3. HTTP — bare vs keycard vs a peer stack, autocannon on 127.0.0.1', ...blocks);
}
