/**
 * The demo session and Settings → API tokens (the Next twin of ../shared/demo-session.js):
 * GET /demo/login?as=u_jason sets an HttpOnly, SameSite=Lax cookie, `sessionOf` maps it to the
 * management API's actor, and the management handler (with the device login routes) answers
 * under /api/tokens. ⚠️ Demo only: anyone can be anyone; a real app maps its own session.
 */
import { createManagementHandler, type ManagementHandler, type UserActor } from 'keycard';
import { keycard } from './keycard';

/** The demo's people and what each may do (and so grant to a token). */
export const PEOPLE: Record<string, readonly string[]> = {
  u_jason: ['read', 'comments', 'tickets:write', 'tickets:assign'],
  u_maria: ['read'],
  u_priya: ['comments'],
};

export const SESSION_COOKIE = 'demo_session';

/** The person of a demo session cookie value, or null. */
export function personOf(value: string | undefined): UserActor | null {
  return value && Object.hasOwn(PEOPLE, value) ? { kind: 'user', id: value, scopes: PEOPLE[value]! } : null;
}

/** The person of a request's demo session, or null. */
export function sessionOf(request: Request): UserActor | null {
  return personOf(new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=(u_[a-z]+)`).exec(request.headers.get('cookie') ?? '')?.[1]);
}

/**
 * The rotate dialog's grace choices: the element's defaults plus, with
 * KEYCARD_EXAMPLE_ROTATE_GRACE=10s (a number and s, m, h or d), that short one, so you can watch
 * the old token stop working without waiting an hour (the browser test uses it).
 */
export function graceChoices(value = process.env.KEYCARD_EXAMPLE_ROTATE_GRACE): string | undefined {
  return value && /^[1-9]\d{0,3}[smhd]$/.test(value) ? `0 ${value} 1h 1d 7d` : undefined;
}

declare global {
  // eslint-disable-next-line no-var
  var __keycardManage: ManagementHandler | undefined;
}

/** One handler per process (route modules may be loaded more than once). */
export const manage: ManagementHandler = (globalThis.__keycardManage ??= createManagementHandler(keycard, {
  basePath: '/api/tokens',
  authorize: sessionOf,
  // Next hands route handlers a request URL of its own making (not always the Host the browser
  // used), so the origins the demo is served from are listed; a browser's same-origin fetch
  // (Sec-Fetch-Site: same-origin) passes anyway. ⚠️ In production, list your public origin.
  allowedOrigins: [`http://127.0.0.1:${process.env.PORT ?? 3002}`, `http://localhost:${process.env.PORT ?? 3002}`],
  device: { appName: 'Toado', loginUrl: '/demo/login' },
}));

/** The curl lines that sign in, then create, list, rotate and revoke a token (the smoke test runs them). */
export const sessionTryLines = (base: string) => [
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
