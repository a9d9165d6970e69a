/**
 * The URL of a request a Node server received, for a mount that hands it to a Web-standard handler
 * (keycard's Express mount). Node gives the pieces as the client sent them — `Host` (behind a
 * trusted proxy `X-Forwarded-Host`), the request target, the scheme (`X-Forwarded-Proto`) — and
 * pasting them into one string lets a client choose the path the handler routes on
 * (`Host: x/api/tokens/tokens/tok_…/revoke#` turned a create into a revoke) or crash the mount
 * (`Host: a b` made `new Request` throw a TypeError). So each piece is checked for its own grammar
 * before it is joined.
 */
import { parseUrl } from './url.ts';
import { problemAnswer } from './answer.ts';

/** RFC 9110 §7.2 `Host` = uri-host [ ":" port ], where uri-host is a reg-name of plain characters or an IP literal. */
const HOST = /^(?:[A-Za-z0-9._~!$&'()*+,;=-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{0,5})?$/;

/**
 * The absolute URL of the request, or null when its pieces cannot make one honestly: a scheme
 * other than http or https, a `Host` that is not host[:port] (a path, query, fragment, user info,
 * space or other character; a port past 65535), or a target that is neither a path (origin-form)
 * nor an http(s) URL (absolute-form, RFC 9112 §3.2.2, whose authority is used and `Host` ignored),
 * or a target whose path the URL parser would change (a dot segment such as `/..` or `/%2E%2E`,
 * a `\`, a character it percent-encodes): the handler must route on the path Express routed on.
 *
 * @example
 * ```ts
 * nodeRequestUrl('http', 'api.example.com', '/api/tokens/tokens'); // 'http://api.example.com/api/tokens/tokens'
 * nodeRequestUrl('http', 'x/api/tokens/tokens/tok_1/revoke#', '/api/tokens/tokens'); // null
 * nodeRequestUrl('http', 'api.example.com', '/api/tokens/tokens/tok_1/x/%2E%2E/revoke'); // null
 * ```
 */
export function nodeRequestUrl(protocol: string, host: string | undefined, target: string): string | null {
  if (!target.startsWith('/')) {
    const url = /^https?:\/\//i.test(target) ? parseUrl(target) : null;
    if (url === null || url.username !== '' || url.password !== '') return null;
    const rest = target.slice(target.indexOf('//') + 2);
    const start = rest.search(/[/?#\\]/);
    return sentPath(url, start === -1 ? '' : rest.slice(start)) ? url.href : null;
  }
  const scheme = protocol.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return null;
  const authority = host ?? 'localhost';
  if (!HOST.test(authority)) return null;
  const origin = parseUrl(`${scheme}://${authority}`);
  if (origin === null) return null;
  const url = parseUrl(`${origin.origin}${target}`);
  return url !== null && url.origin === origin.origin && sentPath(url, target) ? url.href : null;
}

/**
 * Whether the parsed path is the one the client sent (its path part, before `?`). The URL parser
 * resolves dot segments, `%2e%2e` included, and turns `\` into `/`; Express routes on the path as
 * sent, so `/tokens/tok_a/b/%2E%2E/revoke` would be one route to the app (and to any middleware
 * keyed on the path) and a revoke of `tok_a` to the handler.
 */
function sentPath(url: URL, pathAndQuery: string): boolean {
  const q = pathAndQuery.indexOf('?');
  const path = q === -1 ? pathAndQuery : pathAndQuery.slice(0, q);
  return url.pathname === (path === '' ? '/' : path);
}

/** The answer to a request whose URL {@link nodeRequestUrl} refused: 400, an RFC 9457 problem. */
export function badRequestUrl(): Response {
  return badRequest('The request’s Host, target or forwarded scheme does not make a valid URL');
}

/**
 * The answer to a request a Web `Request` cannot carry (`new Request` throws for the methods
 * CONNECT, TRACE and TRACK): 400, an RFC 9457 problem, never the TypeError.
 */
export function badRequestMethod(): Response {
  return badRequest('The request’s method cannot be handed to the handler');
}

const badRequest = (detail: string): Response => problemAnswer(400, { detail, code: 'invalid_request' });
