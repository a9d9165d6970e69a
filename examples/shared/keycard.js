// keycard set up for the tickets API: Toado's four scopes, company ⊃ project restrictions,
// 600 reads and 60 writes a minute per token, and an audit line for every request.
import { createKeycard, defineScopes, jsonLinesSink } from 'keycard';
import { sessionTryLines } from './demo-session.js';

export const scopes = defineScopes(
  {
    read: { description: 'Read companies, projects, tickets and comments' },
    comments: { implies: ['read'], description: 'Post comments' },
    'tickets:write': { implies: ['read', 'comments'], description: 'Create and edit tickets' },
    'tickets:assign': { implies: ['read'], description: 'Assign and unassign people on tickets' },
  },
  {
    // The use cases the New token form offers on the settings page: picking one checks its scopes.
    presets: {
      'Read-only dashboard': ['read'],
      'Slack bot': ['comments'],
      'Triage agent': ['tickets:write', 'tickets:assign'],
    },
  },
);

// Audit lines wait until the banner is printed (the demo tokens' `token.issued` events would
// otherwise come first), then go to stdout as they happen.
let heldAuditLines = [];
function auditLine(line) {
  if (heldAuditLines) heldAuditLines.push(line);
  else process.stdout.write(`audit ${line}`);
}
function releaseAuditLines() {
  const lines = heldAuditLines ?? [];
  heldAuditLines = null;
  for (const line of lines) process.stdout.write(`audit ${line}`);
}

export const keycard = createKeycard({
  prefix: 'toado',
  scopes,
  resources: ['company', 'project'],
  rateLimit: { read: { limit: 600, window: 60 }, write: { limit: 60, window: 60 } },
  // One JSON line per request and per token change: which token did what. AUDIT=0 silences it.
  audit: process.env.AUDIT === '0' ? [] : jsonLinesSink(auditLine),
});

/**
 * The demo tokens, Toado's use cases. A real app shows a token once, to the person who created
 * it; this example prints them so that you can try the API right away.
 */
const DEMO = [
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
];

export async function issueDemoTokens() {
  const issued = [];
  for (const { env, ...input } of DEMO) issued.push({ env, ...(await keycard.issue(input)) });
  return issued;
}

/** What to try, in order; `# → status code` is what you should get (the smoke test checks it). */
export const tryLines = (base) => [
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

export function printBanner({ framework, base, issued }) {
  const out = [
    '',
    `keycard example: a Toado-style tickets API on ${framework}`,
    '',
    'Demo tokens. A real app shows a token once, to its owner; this example prints them so you can',
    'try it. Paste these lines into your shell:',
    '',
  ];
  for (const { env, token, record } of issued) {
    const where = record.restrictions
      ? Object.entries(record.restrictions)
          .map(([type, ids]) => `${type} ${ids.join(', ')}`)
          .join(' / ')
      : 'all companies';
    out.push(`export ${env}='${token}'`);
    out.push(`#   ${record.label} · owner ${record.ownerId} · scopes ${record.scopes.join(', ')} · ${where}`);
  }
  out.push('', 'Then try:', '', ...tryLines(base), '');
  out.push('Settings → API tokens, behind a demo session (SPEC §11, §12):', '', ...sessionTryLines(base), '');
  out.push(`Or open ${base}/demo/login?as=u_jason in a browser: it signs you in and opens ${base}/settings/tokens.`);
  out.push('', `Listening on ${base} (Ctrl-C to stop)`, '');
  process.stdout.write(out.join('\n') + '\n');
  releaseAuditLines();
}
