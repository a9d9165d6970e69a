/**
 * Per-request state of the pipeline: what a request's first check learned, kept for the later
 * checks of the same request object, and the small readers of a request's headers and path.
 */
import type { AuthResult } from './auth-types.ts';
import type { HeaderInput } from './credentials.ts';
import type { Identity } from './identity.ts';
import type { AuditBase } from './request-audit.ts';

/** The part of a request's answer that stacked checks share. */
export type FirstPass<S extends string> =
  | { readonly ok: true; readonly identity: Identity<S>; readonly headers: Record<string, string> }
  | { readonly ok: false; readonly result: AuthResult<S> };

/**
 * What a request's first check learned, for the later checks of the same request object: the
 * verification (shared, so it is looked up and charged once), its audit description (for
 * denials raised later in handlers), its credential and the workspace it named (a later check
 * naming another one re-derives the owner bound from the caches, without a charge). Kept on the
 * request under a symbol of this instance — a WeakMap lookup per check cost ~15 % of the
 * pipeline in bench/ — and in a WeakMap only for objects that cannot take a property.
 */
export interface RequestState<S extends string> {
  pass: Promise<FirstPass<S>>;
  base?: AuditBase<S>;
  secret?: string;
  workspace: string | null | undefined;
}
/** The per-request memo of one instance: on the request under a symbol, in a WeakMap for frozen objects. */
export function requestStates<S extends string>(): {
  stateOf(request: object): RequestState<S> | undefined;
  keep(request: object, state: RequestState<S>): void;
} {
  const STATE = Symbol('keycard.request');
  const frozen = new WeakMap<object, RequestState<S>>();
  const stateOf = (request: object): RequestState<S> | undefined =>
    (request as { [STATE]?: RequestState<S> })[STATE] ??
    (Object.isExtensible(request) ? undefined : frozen.get(request));
  const keep = (request: object, state: RequestState<S>) => {
    if (Object.isExtensible(request)) Object.defineProperty(request, STATE, { value: state, enumerable: false });
    else frozen.set(request, state);
  };
  return { stateOf, keep };
}

/** One header of a Fetch `Headers` or a Node headers object (the first of a repeated one). */
export function headerOf(headers: HeaderInput, name: string): string | null {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name);
  const v = (headers as Record<string, string | readonly string[] | undefined>)[name];
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return (v as readonly string[])[0] ?? null;
  return null;
}

/** The path of a request URL (absolute or origin-form) without query or fragment: audit never sees the query. */
export function pathOf(url: string): string {
  let start = 0;
  const scheme = url.indexOf('://');
  if (scheme !== -1 && scheme < url.search(/[/?#]/)) start = url.indexOf('/', scheme + 3);
  if (start === -1) return '/';
  let end = url.length;
  const q = url.indexOf('?', start);
  if (q !== -1) end = q;
  const h = url.indexOf('#', start);
  if (h !== -1 && h < end) end = h;
  return url.slice(start, end) || '/';
}
