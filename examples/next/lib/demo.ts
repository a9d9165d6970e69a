/**
 * The demo tokens, Toado's use cases. A real app shows a token once, to the person who created
 * it; this example issues them when the server starts (instrumentation.ts), prints them so that
 * you can try the API right away and, with KEYCARD_DEMO=1 only, serves them at GET /api/demo-tokens.
 */
import { DEMO_TOKENS, issueDemoTokens, tryLines, type DemoTokenInput } from '@keycard-examples/shared/config';
import { sessionTryLines } from '@keycard-examples/shared/demo-session';
import { keycard } from './keycard';

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

/** The demo tokens of every example (../shared/config.js), and one of Next's own. */
const DEMO: readonly DemoTokenInput[] = [
  ...DEMO_TOKENS,
  // A new CI job on a short leash: 3 requests a minute, counted across every route.
  { env: 'CI_TIGHT', ownerId: 'u_jason', label: 'new ci job', scopes: ['read'], rateLimit: { limit: 3, window: 60 } },
];

declare global {
  // eslint-disable-next-line no-var
  var __keycardDemo: Promise<DemoToken[]> | undefined;
}

async function issueAll(): Promise<DemoToken[]> {
  return (await issueDemoTokens(keycard, DEMO)).map(({ env, token, record }) => ({
    env,
    token,
    tokenId: record.id,
    label: record.label,
    ownerId: record.ownerId,
    scopes: record.scopes,
    restrictions: record.restrictions,
    rateLimit: record.rateLimit,
  }));
}

/** Issued once per process, at the first call; every later call gets the same tokens. */
export function demoTokens(): Promise<DemoToken[]> {
  return (globalThis.__keycardDemo ??= issueAll());
}

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
