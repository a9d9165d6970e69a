// @ts-check
// The keycard of the Express, Hono and CLI examples (one app per process): config.js's scopes,
// restrictions and rate limits, and an audit line on stdout for every request; the demo tokens
// and the banner that prints them with what to try.
import { createKeycard, jsonLinesSink } from 'keycard';
import { issueDemoTokens as issue, keycardOptions, tryLines } from './config.js';
import { sessionTryLines } from './demo-session.js';

// Audit lines wait until the banner is printed (the demo tokens' `token.issued` events would
// otherwise come first), then go to stdout as they happen.
/** @type {string[] | null} */
let heldAuditLines = [];
/** @param {string} line */
function auditLine(line) {
  if (heldAuditLines) heldAuditLines.push(line);
  else process.stdout.write(`audit ${line}`);
}
function releaseAuditLines() {
  const lines = heldAuditLines ?? [];
  heldAuditLines = null;
  for (const line of lines) process.stdout.write(`audit ${line}`);
}

/** The one keycard of the process. */
export const keycard = createKeycard({
  ...keycardOptions,
  // One JSON line per request and per token change: which token did what. AUDIT=0 silences it.
  audit: process.env.AUDIT === '0' ? [] : jsonLinesSink(auditLine),
});

/** Issues the demo tokens (the secrets are returned once). */
export const issueDemoTokens = () => issue(keycard);

/**
 * Prints the demo tokens and what to try, then lets the audit lines through.
 * @param {{ framework: string, base: string, issued: Awaited<ReturnType<typeof issueDemoTokens>> }} banner
 */
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
