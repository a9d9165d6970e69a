// What the smoke test checks beyond the curl lines' statuses.
import net from 'node:net';
import { check, HOST } from './children.mjs';
// ---------------------------------------------------------------------------------------------
// Checks the curl lines only show.

let apiCalls = 0;
export async function api(base, path, token, init = {}) {
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

export async function contentChecks(base, t) {
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
export const GOLDEN = {
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

export function rawHttp(port, method, path, lines) {
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

export async function contractProbe(port, t, name) {
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
export async function sharedLimiterCheck(base, token) {
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
