/**
 * The demo tokens, Toado's use cases. A real app shows a token once, to the person who created
 * it; this example issues them when the server starts (instrumentation.ts), prints them so that
 * you can try the API right away and, with KEYCARD_DEMO=1 only, serves them at GET /api/demo-tokens.
 */
import { keycard, type Scope } from './keycard';
import { sessionTryLines } from './demo-session';

export interface DemoToken {
  env: string;
  token: string;
  tokenId: string;
  label: string;
  ownerId: string;
  scopes: readonly string[];
  restrictions: Readonly<Record<string, readonly string[]>> | null;
  rateLimit: unknown;
}

const DEMO: {
  env: string;
  ownerId: string;
  label: string;
  scopes: Scope[];
  restrictions?: Record<string, string[]>;
  rateLimit?: { limit: number; window: number };
  expiresIn?: '30d';
}[] = [
  {
    env: 'TRIAGE',
    ownerId: 'u_jason',
    label: 'claude-code triage on macbook',
    scopes: ['read', 'comments', 'tickets:write', 'tickets:assign'],
  },
  { env: 'DASHBOARD', ownerId: 'u_maria', label: 'grafana dashboard', scopes: ['read'] },
  { env: 'SLACK_BOT', ownerId: 'u_priya', label: 'slack bot #support', scopes: ['comments'] },
  {
    env: 'ACME_WEBSITE',
    ownerId: 'u_jason',
    label: 'website agent',
    scopes: ['read', 'comments', 'tickets:write'],
    restrictions: { company: ['c1'], project: ['p1'] },
    expiresIn: '30d',
  },
  // A new CI job on a short leash: 3 requests a minute, counted across every route.
  { env: 'CI_TIGHT', ownerId: 'u_jason', label: 'new ci job', scopes: ['read'], rateLimit: { limit: 3, window: 60 } },
];

declare global {
  // eslint-disable-next-line no-var
  var __keycardDemo: Promise<DemoToken[]> | undefined;
}

async function issueAll(): Promise<DemoToken[]> {
  const issued: DemoToken[] = [];
  for (const { env, ...input } of DEMO) {
    const { token, record } = await keycard.issue(input);
    issued.push({
      env,
      token,
      tokenId: record.id,
      label: record.label,
      ownerId: record.ownerId,
      scopes: record.scopes,
      restrictions: record.restrictions,
      rateLimit: record.rateLimit,
    });
  }
  return issued;
}

/** Issued once per process, at the first call; every later call gets the same tokens. */
export function demoTokens(): Promise<DemoToken[]> {
  return (globalThis.__keycardDemo ??= issueAll());
}

/** What to try, in order; `# → status code` is what you should get (the smoke test checks it). */
export const tryLines = (base: string) => [
  '# → 200: both companies (the triage agent is not restricted)',
  `curl -i ${base}/api/v1/companies -H "Authorization: Bearer $TRIAGE"`,
  "# → 200: only Acme: a restricted token's listings return only the rows it may read",
  `curl -i ${base}/api/v1/companies -H "Authorization: Bearer $ACME_WEBSITE"`,
  '# → 200: only the tickets of Acme / Website',
  `curl -i ${base}/api/v1/tickets -H "Authorization: Bearer $ACME_WEBSITE"`,
  '# → 201: the new ticket says "Jason (website agent) · via API"',
  `curl -i -X POST ${base}/api/v1/companies/c1/projects/p1/tickets -H "Authorization: Bearer $ACME_WEBSITE" -H 'Content-Type: application/json' -d '{"title":"Flaky login test on CI"}'`,
  '# → 201: a comment by the Slack bot',
  `curl -i -X POST ${base}/api/v1/tickets/t1/comments -H "Authorization: Bearer $SLACK_BOT" -H 'Content-Type: application/json' -d '{"body":"Customer reports this again in #support"}'`,
  '# → 200: the triage agent assigns Maria',
  `curl -i -X POST ${base}/api/v1/tickets/t4/assign -H "Authorization: Bearer $TRIAGE" -H 'Content-Type: application/json' -d '{"assignee":"u_maria"}'`,
  '# → 403 insufficient_scope: the dashboard token is read-only',
  `curl -i -X POST ${base}/api/v1/companies/c1/projects/p1/tickets -H "Authorization: Bearer $DASHBOARD" -H 'Content-Type: application/json' -d '{"title":"Dashboards want to write too"}'`,
  '# → 403 forbidden_resource: the website agent may not write to project p2',
  `curl -i -X POST ${base}/api/v1/companies/c1/projects/p2/tickets -H "Authorization: Bearer $ACME_WEBSITE" -H 'Content-Type: application/json' -d '{"title":"Outside my project"}'`,
  '# → 403 forbidden_resource: nor read company c2',
  `curl -i ${base}/api/v1/companies/c2/projects/p3/tickets -H "Authorization: Bearer $ACME_WEBSITE"`,
  '# → 401 missing_token: no token at all',
  `curl -i ${base}/api/v1/companies`,
];

export function printBanner(base: string, issued: DemoToken[]): void {
  const out = [
    '',
    'keycard example: a Toado-style tickets API as Next.js route handlers',
    '',
    'Demo tokens. A real app shows a token once, to its owner; this example prints them so you can',
    'try it. Paste these lines into your shell:',
    '',
  ];
  for (const t of issued) {
    const where = t.restrictions
      ? Object.entries(t.restrictions)
          .map(([type, ids]) => `${type} ${ids.join(', ')}`)
          .join(' / ')
      : 'all companies';
    const limit = t.rateLimit ? ` · rate limit ${JSON.stringify(t.rateLimit)}` : '';
    out.push(`export ${t.env}='${t.token}'`);
    out.push(`#   ${t.label} · owner ${t.ownerId} · scopes ${t.scopes.join(', ')} · ${where}${limit}`);
  }
  out.push(
    '',
    'Then try:',
    '',
    ...tryLines(base),
    '',
    '# CI_TIGHT may make 3 requests a minute, on any route: the RateLimit header counts down, then 429',
    `for path in companies tickets companies/c1/projects companies; do curl -s -o /dev/null -w "%{http_code} " ${base}/api/v1/$path -H "Authorization: Bearer $CI_TIGHT"; done; echo`,
    '',
    'Settings → API tokens, behind a demo session:',
    '',
    ...sessionTryLines(base),
    '',
    `Or open ${base}/demo/login?as=u_jason in a browser: it signs you in and opens ${base}/settings/tokens.`,
    '',
  );
  process.stdout.write(out.join('\n') + '\n');
}
