/**
 * The person of a demo session cookie value, as the management API's actor, or null.
 * @param {string | undefined} id
 * @returns {import('keycard').UserActor | null}
 */
export function personOf(id: string | undefined): import('keycard').UserActor | null;
/**
 * The person of a request's demo session cookie, as the management API's actor, or null.
 * @param {Request} request
 */
export function sessionOf(request: Request): import('keycard').UserActor | null;
/**
 * The management API (SPEC §11) at /api/tokens behind the demo session, with the device login
 * routes (SPEC §13) at /api/tokens/device. A signed-out person opening the approval page is sent
 * to the demo sign-in.
 * @template {string} S
 * @param {import('keycard').Keycard<S>} keycard
 * @param {{ appName?: string, store?: import('keycard').ManagementDeviceOptions['store'], allowedOrigins?: readonly string[] }} [options]
 *   `allowedOrigins`: the origins a state-changing session call may come from (default: the request URL's own)
 */
export function demoManagement<S extends string>(
  keycard: import('keycard').Keycard<S>,
  {
    appName,
    store,
    allowedOrigins,
  }?: {
    appName?: string;
    store?: import('keycard').ManagementDeviceOptions['store'];
    allowedOrigins?: readonly string[];
  },
): import('keycard').ManagementHandler;
/**
 * GET /demo/login?as=<person>[&next=/path]: sets the session cookie (HttpOnly, SameSite=Lax) and
 * redirects; without a known `as`, a page to pick a person.
 * @param {Request} request
 */
export function demoLogin(request: Request): Response;
/**
 * The rotate dialog's grace choices: the element's defaults (no time, 1 hour, 1 day, 7 days) plus,
 * with KEYCARD_EXAMPLE_ROTATE_GRACE=10s (a number and s, m, h or d), that short one, so you can
 * watch the old token stop working without waiting an hour (the browser test uses it).
 */
export function graceChoices(value?: string | undefined): string | undefined;
/**
 * The demo's people and what each may do (and so grant to a token).
 * @type {Readonly<Record<string, readonly import('./config.js').Scope[]>>}
 */
export const PEOPLE: Readonly<Record<string, readonly import('./config.js').Scope[]>>;
/** The name of the demo session cookie; its value is the person's id. */
export const SESSION_COOKIE: 'demo_session';
export function html(body: string): Response;
export function sessionTryLines(base: string): string[];
