/**
 * The shared Node layer: one `AuthRequest` per Node request, whichever adapter reads it first.
 * `authenticate` memoises its first pass on the request object it is given, so a request that
 * meets `expressGuard` and then `mcpGate` must hand both the same object to be looked up once,
 * charged once and audited once (each adapter building its own object cost a second lookup,
 * charge and event). Only the fields keycard reads are copied: copying every header cost
 * microseconds per request (bench/).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { AuthRequest } from '../index.ts';

/** What keycard reads of a Node request (Express's `Request` is one). */
export interface NodeRequestLike {
  readonly method?: string | undefined;
  readonly originalUrl?: string;
  readonly url?: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
}

const inputs = new WeakMap<object, AuthRequest>();

/**
 * The request as keycard reads it, built once per Node request. `Authorization` comes from
 * `rawHeaders`, so two field lines stay two (a 400), never silently merged.
 */
export function nodeRequest(req: NodeRequestLike): AuthRequest {
  let input = inputs.get(req);
  if (input) return input;
  const auth: string[] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 13 && name.toLowerCase() === 'authorization') auth.push(raw[i + 1]!);
  }
  const h = req.headers;
  const headers = {
    authorization: auth,
    'x-request-id': h['x-request-id'],
    'access-control-request-method': h['access-control-request-method'],
  };
  inputs.set(req, (input = { method: req.method ?? 'GET', url: req.originalUrl ?? req.url ?? '/', headers }));
  return input;
}
