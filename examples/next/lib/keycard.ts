/**
 * One keycard for the whole app.
 *
 * ## Why auth rests in the route handlers (withKeycard), not in `proxy.ts`
 *
 * Every route under `app/api/v1` wraps its handler in `withKeycard(keycard, requirement, handler)`.
 * Next 16's `proxy.ts` (the former middleware) would look like the natural single place for it,
 * and it is the wrong one:
 *
 * - **Coverage.** The proxy runs for the paths its `matcher` names. A matcher that misses a route,
 *   or a refactor that moves one, silently leaves it open; a wrapper sits on the handler itself,
 *   so a route without it is visible in its own file.
 * - **Shared state.** Next runs the proxy separately from the render code (it may be deployed
 *   apart from it) and says not to rely on shared modules or globals there. keycard's store,
 *   verified-token cache and rate limiter must be *one* per process for revocation and limits to
 *   hold; the route handlers share the instance below.
 * - **The identity.** The handler needs the verified token to check restrictions
 *   (`identity.assert`, `identity.filter`) and to stamp every write with who made it. A proxy can
 *   only pass that on in request headers, which the handler would have to trust; withKeycard hands
 *   it over as a typed argument.
 *
 * ## Why on `globalThis`
 *
 * Next bundles `instrumentation.ts` (which issues the demo tokens) apart from the route handlers,
 * so this module is evaluated once for each of them, and in development again on every reload. The
 * instance lives on `globalThis` so that all of them share one token store, one cache and one rate
 * limiter: a token's budget is counted once across all routes (the smoke test checks it with a
 * token of 3 requests a minute). Across processes, a shared store (Redis, Postgres) does that.
 */
import { createKeycard, jsonLinesSink } from 'keycard';
import { keycardOptions } from '@keycard-examples/shared/config';

function create() {
  return createKeycard({
    // The tickets API's scopes, company ⊃ project restrictions, and Toado's defaults of 600 reads
    // and 60 writes a minute per token (../shared/config.js, as in every example).
    ...keycardOptions,
    // One JSON line per request and per token change: which token did what. AUDIT=0 silences it.
    audit: process.env.AUDIT === '0' ? [] : jsonLinesSink((line) => process.stdout.write(`audit ${line}`)),
  });
}

declare global {
  // eslint-disable-next-line no-var
  var __keycard: ReturnType<typeof create> | undefined;
}

export const keycard = (globalThis.__keycard ??= create());
