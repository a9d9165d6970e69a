// @ts-check
// keycard configured for the tickets API, without creating an instance (each example creates its
// own, with its audit sink): Toado's four scopes and the New token form's presets, company ⊃
// project restrictions, 600 reads and 60 writes a minute per token; the demo tokens, and the curl
// lines that try them.
import { defineScopes } from 'keycard';

/** @typedef {'read' | 'comments' | 'tickets:write' | 'tickets:assign'} Scope */
/**
 * A demo token: `env` is the shell variable the banner exports it as.
 * @typedef {{ env: string } & import('keycard').IssueInput<Scope>} DemoTokenInput
 */

/** @type {import('keycard').ScopeCatalogue<Scope>} */
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

/**
 * The options every example passes to `createKeycard`, beside its own `audit` (and, for MCP,
 * `settingsUrl`).
 * @type {Readonly<import('keycard').KeycardOptions<Scope>>}
 */
export const keycardOptions = {
  prefix: 'toado',
  scopes,
  resources: ['company', 'project'],
  // Toado's defaults: 600 reads and 60 writes a minute per token.
  rateLimit: { read: { limit: 600, window: 60 }, write: { limit: 60, window: 60 } },
};

/**
 * The demo tokens, Toado's use cases. A real app shows a token once, to the person who created
 * it; the examples print them so that you can try the API right away.
 * @type {readonly DemoTokenInput[]}
 */
export const DEMO_TOKENS = [
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

/**
 * Issues the demo tokens one after the other (the secrets are returned once).
 * @param {import('keycard').Keycard<Scope>} keycard
 * @param {readonly DemoTokenInput[]} [tokens]
 * @returns {Promise<({ env: string } & import('keycard').IssuedToken)[]>}
 */
export async function issueDemoTokens(keycard, tokens = DEMO_TOKENS) {
  const issued = [];
  for (const { env, ...input } of tokens) issued.push({ env, ...(await keycard.issue(input)) });
  return issued;
}

/**
 * What to try, in order; `# → status code` is what you should get (the smoke test checks it).
 * @param {string} base the server's origin
 */
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
