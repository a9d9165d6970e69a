// The demo's people, session and settings page, shared by the Express, Hono, MCP and CLI
// examples (the Next example has its own copy in lib/demo-session.ts). Web-standard Request →
// Response functions, so each framework mounts them the way it mounts any Fetch handler.
//
// ⚠️ Demo only: GET /demo/login?as=u_jason makes anyone Jason. A real app maps its own session
// (a signed cookie, a session store) in `authorize`, and computes `scopes` from the person's role.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createManagementHandler } from 'keycard';

/** The demo's people and what each may do (and so grant to a token). */
export const PEOPLE = {
  u_jason: ['read', 'comments', 'tickets:write', 'tickets:assign'],
  u_maria: ['read'],
  u_priya: ['comments'],
};

const COOKIE = 'demo_session';

/** The person of a request's demo session cookie, as the management API's actor, or null. */
export function sessionOf(request) {
  const id = new RegExp(`(?:^|;\\s*)${COOKIE}=(u_[a-z]+)`).exec(request.headers.get('cookie') ?? '')?.[1];
  return id && Object.hasOwn(PEOPLE, id) ? { kind: 'user', id, scopes: PEOPLE[id] } : null;
}

/**
 * The management API (SPEC §11) at /api/tokens behind the demo session, with the device login
 * routes (SPEC §13) at /api/tokens/device. A signed-out person opening the approval page is sent
 * to the demo sign-in.
 */
export function demoManagement(keycard, { appName = 'Toado', store } = {}) {
  return createManagementHandler(keycard, {
    basePath: '/api/tokens',
    authorize: sessionOf,
    device: { appName, loginUrl: '/demo/login', ...(store ? { store } : {}) },
  });
}

const html = (body, status = 200, headers = {}) =>
  new Response(body, {
    status,
    headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...headers },
  });

const safeNext = (value) =>
  typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') ? value : '/settings/tokens';

/** GET /demo/login?as=<person>[&next=/path]: sets the session cookie (HttpOnly, SameSite=Lax) and redirects. */
function login(url) {
  const as = url.searchParams.get('as');
  const next = safeNext(url.searchParams.get('next'));
  if (!as || !Object.hasOwn(PEOPLE, as)) {
    const links = Object.keys(PEOPLE)
      .map((id) => `<li><a href="/demo/login?as=${id}&amp;next=${encodeURIComponent(next)}">Sign in as ${id}</a></li>`)
      .join('');
    return html(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Demo sign-in</title></head><body><main><h1>Demo sign-in</h1><ul>${links}</ul></main></body></html>`,
    );
  }
  return new Response(null, {
    status: 303,
    headers: {
      Location: next,
      'Set-Cookie': `${COOKIE}=${as}; Path=/; HttpOnly; SameSite=Lax`,
      'Cache-Control': 'no-store',
    },
  });
}

/**
 * The rotate dialog's grace choices: the element's defaults (no time, 1 hour, 1 day, 7 days) plus,
 * with KEYCARD_EXAMPLE_ROTATE_GRACE=10s (a number and s, m, h or d), that short one, so you can
 * watch the old token stop working without waiting an hour (the browser test uses it).
 */
export function graceChoices(value = process.env.KEYCARD_EXAMPLE_ROTATE_GRACE) {
  return value && /^[1-9]\d{0,3}[smhd]$/.test(value) ? `0 ${value} 1h 1d 7d` : null;
}

const page = (choices = graceChoices()) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Settings · API tokens</title>
<style>body{margin:0;background:#f0f2f5;font-family:system-ui,sans-serif}main{max-width:52em;margin:0 auto;padding:2em 1em}
@media (prefers-color-scheme:dark){body{background:#010409;color:#e6edf3}}</style>
<script type="module" src="/assets/keycard/ui.js"></script></head>
<body><main><h1>API tokens</h1><keycard-tokens base-path="/api/tokens"${choices ? ` grace-choices="${choices}"` : ''}></keycard-tokens></main></body></html>`;

/**
 * Where the `keycard/ui` bundle lives: keycard's dist/ (`ui.js` and the chunks it imports).
 * KEYCARD_UI_DIR overrides it (the CLI end-to-end test bundles src/ui there instead of building dist/).
 */
const uiDir = () => process.env.KEYCARD_UI_DIR ?? path.dirname(createRequire(import.meta.url).resolve('keycard/ui'));

async function asset(name) {
  if (!/^(ui|chunk-[A-Za-z0-9_-]+)\.js$/.test(name)) return null;
  try {
    const body = await readFile(path.join(uiDir(), name));
    return new Response(body, {
      headers: { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-cache' },
    });
  } catch {
    return null;
  }
}

/**
 * The demo's pages: GET /demo/login, GET /settings/tokens (signed out: to the sign-in) and
 * GET /assets/keycard/*.js (the `keycard/ui` bundle). Null for any other request.
 */
export async function demoPages(request) {
  if (request.method !== 'GET' && request.method !== 'HEAD') return null;
  const url = new URL(request.url);
  if (url.pathname === '/demo/login') return login(url);
  if (url.pathname === '/settings/tokens') {
    if (!sessionOf(request))
      return new Response(null, { status: 303, headers: { Location: '/demo/login?next=/settings/tokens' } });
    return html(page());
  }
  if (url.pathname.startsWith('/assets/keycard/')) return asset(url.pathname.slice('/assets/keycard/'.length));
  return null;
}

/**
 * The curl lines that sign in and create, list, rotate and revoke a token through the management
 * API with the session (the smoke test runs them: `export NAME=<field>` in a comment takes that
 * field of the JSON answer for the lines below).
 */
export const sessionTryLines = (base) => [
  '# → 303: signs in as Jason: the demo session, an HttpOnly cookie kept in the file ./jar',
  `curl -i -c jar '${base}/demo/login?as=u_jason'`,
  '# → 201: a token for CI, its secret shown this once (Cache-Control: no-store); export TOKEN_ID=<record.id>',
  `curl -i -b jar -X POST ${base}/api/tokens/tokens -H 'Origin: ${base}' -H 'Content-Type: application/json' -d '{"label":"ci deploy","scopes":["tickets:write"],"expiresIn":"30d"}'`,
  "# → 200: Jason's tokens, without any secret",
  `curl -i -b jar ${base}/api/tokens/tokens`,
  '# → 201: a new secret; the old one keeps working for an hour; export TOKEN_ID=<record.id>',
  `curl -i -b jar -X POST ${base}/api/tokens/tokens/$TOKEN_ID/rotate -H 'Origin: ${base}' -H 'Content-Type: application/json' -d '{"graceMs":3600000}'`,
  '# → 200: revoked at once',
  `curl -i -b jar -X POST ${base}/api/tokens/tokens/$TOKEN_ID/revoke -H 'Origin: ${base}' -H 'Content-Type: application/json' -d '{"reason":"demo over"}'`,
  '# → 403 forbidden: a session POST from another origin is refused (CSRF)',
  `curl -i -b jar -X POST ${base}/api/tokens/tokens -H 'Origin: https://evil.example' -H 'Content-Type: application/json' -d '{"label":"x","scopes":["read"]}'`,
  '# → 401 unauthenticated: no session, no token',
  `curl -i ${base}/api/tokens/tokens`,
];
