/**
 * Cross-site request forgery (SPEC §11). A session cookie rides along on any request the browser
 * makes, including a form post from another site, so a state-changing request authorized by a
 * session must prove where it came from: `Origin` in the allowed list (default: the request's own
 * origin), or `Sec-Fetch-Site: same-origin`, which browsers set and pages cannot forge. A request
 * with neither is refused: a browser always sends `Origin` on a cross-origin POST, so its absence
 * means a non-browser client, which should use a bearer token (exempt: no ambient credential).
 */
import { excerpt } from '../core/redact.ts';
import { ManagementProblem } from './problem.ts';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Throws 403 `forbidden` unless a session-authorized request may change state. */
export function assertSameOrigin(request: Request, allowedOrigins: readonly string[] | null): void {
  if (SAFE.has(request.method)) return;
  if (request.headers.get('sec-fetch-site') === 'same-origin') return;
  const origin = request.headers.get('origin');
  const own = new URL(request.url).origin;
  if (origin !== null && (allowedOrigins ?? [own]).includes(origin)) return;
  // Which mistake, without echoing the Origin sent or the list: curl with a cookie sends none, and
  // a framework that hands the handler a URL of its own (Next: http://localhost:…) needs the list.
  // The own origin is the client's Host (or absolute-form target): masked and cut as client text.
  const why = origin === null ? 'no Origin header' : `Origin is not ${allowedOrigins ? 'allowed' : excerpt(own, 200)}`;
  throw new ManagementProblem('forbidden', `Cross-origin request refused: ${why}`);
}
