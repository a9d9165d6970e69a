// @ts-check
// The demo's people and session, shared by every example: the sign-in, the session's person as
// the management API's actor, the management API behind it, and the curl lines that try it.
// Web-standard Request → Response functions (no Node API), so each framework mounts them the way
// it mounts any Fetch handler; ./demo-pages.js adds the settings page for the servers without a
// page framework.
//
// ⚠️ Demo only: GET /demo/login?as=u_jason makes anyone Jason. A real app maps its own session
// (a signed cookie, a session store) in `authorize`, and computes `scopes` from the person's role.
import { createManagementHandler } from 'keycard';

/**
 * The demo's people and what each may do (and so grant to a token).
 * @type {Readonly<Record<string, readonly import('./config.js').Scope[]>>}
 */
export const PEOPLE = {
  u_jason: ['read', 'comments', 'tickets:write', 'tickets:assign'],
  u_maria: ['read'],
  u_priya: ['comments'],
};

/** The name of the demo session cookie; its value is the person's id. */
export const SESSION_COOKIE = 'demo_session';

/**
 * The person of a demo session cookie value, as the management API's actor, or null.
 * @param {string | undefined} id
 * @returns {import('keycard').UserActor | null}
 */
export function personOf(id) {
  return id && Object.hasOwn(PEOPLE, id) ? { kind: 'user', id, scopes: PEOPLE[id] } : null;
}

/**
 * The person of a request's demo session cookie, as the management API's actor, or null.
 * @param {Request} request
 */
export function sessionOf(request) {
  return personOf(new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=(u_[a-z]+)`).exec(request.headers.get('cookie') ?? '')?.[1]);
}

/**
 * The management API (SPEC §11) at /api/tokens behind the demo session, with the device login
 * routes (SPEC §13) at /api/tokens/device. A signed-out person opening the approval page is sent
 * to the demo sign-in.
 * @template {string} S
 * @param {import('keycard').Keycard<S>} keycard
 * @param {{ appName?: string, store?: import('keycard').ManagementDeviceOptions['store'], allowedOrigins?: readonly string[] }} [options]
 *   `allowedOrigins`: the origins a state-changing session call may come from (default: the request URL's own)
 */
export function demoManagement(keycard, { appName = 'Toado', store, allowedOrigins } = {}) {
  return createManagementHandler(keycard, {
    basePath: '/api/tokens',
    authorize: sessionOf,
    ...(allowedOrigins ? { allowedOrigins } : {}),
    device: { appName, loginUrl: '/demo/login', ...(store ? { store } : {}) },
  });
}

/**
 * An HTML page, never cached.
 * @param {string} body
 */
export const html = (body) =>
  new Response(body, { headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' } });

/** @param {string | null} value */
const safeNext = (value) =>
  typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') ? value : '/settings/tokens';

/**
 * GET /demo/login?as=<person>[&next=/path]: sets the session cookie (HttpOnly, SameSite=Lax) and
 * redirects; without a known `as`, a page to pick a person.
 * @param {Request} request
 */
export function demoLogin(request) {
  const url = new URL(request.url);
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
      'Set-Cookie': `${SESSION_COOKIE}=${as}; Path=/; HttpOnly; SameSite=Lax`,
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
  return value && /^[1-9]\d{0,3}[smhd]$/.test(value) ? `0 ${value} 1h 1d 7d` : undefined;
}

/**
 * The curl lines that sign in and create, list, rotate and revoke a token through the management
 * API with the session (the smoke test runs them: `export NAME=<field>` in a comment takes that
 * field of the JSON answer for the lines below).
 */
export const sessionTryLines = (/** @type {string} */ base) => [
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
