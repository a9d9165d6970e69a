/**
 * The types of the request pipeline (SPEC §5, §8): what a check asks, what it answers, and what
 * the pipeline needs from the instance. Re-exported by `authenticate.ts`.
 */
import type { AuditTrail, Surface } from './audit.ts';
import type { CacheEntry } from './cache.ts';
import type { Clock } from './clock.ts';
import type { HeaderInput } from './credentials.ts';
import type { RequestErrorCode } from './errors.ts';
import type { Problem } from './http.ts';
import type { Identity } from './identity.ts';
import type { LimitClass, LimiterStore, RateLimitConfig } from './limiter.ts';
import type { KeycardOptions } from './options.ts';
import type { Access, ResourcePath } from './restrictions.ts';
import type { Requirement, ScopeCatalogue } from './scopes.ts';
import type { TokenFormat } from './token.ts';
import { freeze } from './builtins.ts';

/** The keys of `AuthRequirement`: a guard refuses any other at start (a misspelled option). */
export const REQUIREMENT_KEYS = freeze([
  'scope',
  'class',
  'resource',
  'workspaceId',
  'forbid',
  'surface',
  'rpcMethod',
  'tool',
] as const satisfies readonly (keyof AuthRequirement)[]);

/** What one check needs. Everything is optional: an empty requirement only authenticates. */
export interface AuthRequirement {
  /** Scopes the route needs: a name, `allOf(...)`, `anyOf(...)`. */
  readonly scope?: Requirement;
  /** The budget to charge. @default by method: GET, HEAD, OPTIONS ⇒ read, else write */
  readonly class?: LimitClass;
  /**
   * A resource the route touches, checked against the token's restrictions. `access` defaults to
   * the request's class: `class` if given, else by method (GET, HEAD, OPTIONS ⇒ read, else write).
   */
  readonly resource?: { readonly path: ResourcePath; readonly access?: Access };
  /** The workspace the request names: bounds personal tokens by the owner there; workspace tokens must match it. */
  readonly workspaceId?: string | null;
  /**
   * A last, caller-specific refusal (e.g. an MCP session bound to another token): return the
   * resource the identity may not touch, and the request is answered 403 `forbidden_resource`
   * and audited as denied. Runs after the scope and resource checks.
   */
  readonly forbid?: (identity: Identity) => { readonly type: string; readonly id: string } | null;
  /** Audit surface. @default 'http' */
  readonly surface?: Surface;
  /** MCP JSON-RPC method and tool, for audit. */
  readonly rpcMethod?: string;
  readonly tool?: string;
}

/** The request as keycard reads it: a Web `Request`, or its three parts. */
export type AuthRequest = Request | { readonly method: string; readonly url: string; readonly headers: HeaderInput };

/** The answer of `authenticate`. */
export type AuthResult<S extends string = string> =
  | { readonly ok: true; readonly identity: Identity<S>; readonly headers: Readonly<Record<string, string>> }
  | {
      readonly ok: false;
      readonly skip?: undefined;
      readonly status: number;
      readonly code: RequestErrorCode;
      readonly headers: Readonly<Record<string, string>>;
      readonly body: string;
    }
  /**
   * A CORS preflight: answer it with these bytes (`204`, no body) and do not run the handler. It
   * is not a denial (nothing is verified or audited), but it is sent like one, so the usual
   * `r.skip ? next() : send(r)` answers it too.
   */
  | {
      readonly ok: false;
      readonly skip?: undefined;
      readonly status: 204;
      readonly code: 'preflight';
      readonly headers: Readonly<Record<string, string>>;
      readonly body: null;
    }
  /** Not for keycard (with `onForeignToken: 'next'`): another issuer's bearer token, for the next authenticator. */
  | { readonly ok: false; readonly skip: 'foreign_token' };

/**
 * Authenticates one request against a requirement.
 *
 * @example Guarding a handler with the Fetch API
 * ```ts
 * const r = await keycard.authenticate(request, { scope: 'tickets:write' });
 * if (!r.ok) return r.skip ? next() : new Response(r.body, { status: r.status, headers: r.headers }); // a preflight: 204, no body
 * ```
 */
export type Authenticate<S extends string = string> = ((
  request: AuthRequest,
  requirement?: AuthRequirement,
) => Promise<AuthResult<S>>) & {
  /**
   * The problem response for a `KeycardError` thrown in a handler (e.g. `identity.assert`), or
   * null for other errors. Given the request it was thrown for, the denial is also audited
   * (`request.denied`), so a restriction enforced inside a handler shows up like a declared one:
   * for a request the check allowed, under its token; for one it handed on as another issuer's
   * token (`onForeignToken: 'next'`), with no token id, coalesced per second like a forged token.
   */
  problemFor(error: unknown, request?: AuthRequest): Problem | null;
  /**
   * The same check, answered without a promise whenever every step answered synchronously (a
   * cached token under the in-memory limiter): the result itself, else a promise of it. For
   * adapters, whose every request would otherwise pay a promise and a microtask turn (bench/);
   * `await` takes either.
   *
   * @example A Fetch-style guard
   * ```ts
   * const r = keycard.authenticate.direct(request, { scope: 'read' });
   * const answer = r instanceof Promise ? await r : r;
   * ```
   */
  direct(request: AuthRequest, requirement?: AuthRequirement): AuthResult<S> | Promise<AuthResult<S>>;
};

/** What the pipeline needs from the instance. */
export interface AuthenticatorDeps<S extends string> {
  readonly options: KeycardOptions<S>;
  readonly clock: Clock;
  readonly limiter: LimiterStore;
  readonly defaultRateLimit: RateLimitConfig;
  readonly catalogue: ScopeCatalogue<S>;
  readonly format: TokenFormat;
  readonly audit: AuditTrail;
  readonly onError: (error: unknown) => void;
  readonly timeoutMs: number;
  /** `checked`: the pipeline already ran `validate(secret, format)` on its one-pass read. */
  readonly verify: (
    secret: string,
    workspaceId: string | null | undefined,
    checked?: boolean,
  ) => VerifyOutcome<S> | Promise<VerifyOutcome<S>>;
  /** Dual mode: verification of bearer tokens without keycard's prefix (`options.oauth`). */
  readonly verifyForeign?: (secret: string, workspaceId: string | null | undefined) => Promise<VerifyOutcome<S>>;
}

/** What the instance's verification answers the pipeline. */
export type VerifyOutcome<S extends string> =
  | { ok: true; identity: Identity<S>; entry?: CacheEntry }
  | { ok: false; code: 'invalid_token' | 'token_expired' | 'token_revoked' | 'unavailable'; known?: KnownToken };

/** What audit may say of a token that was found but refused (revoked, expired, owner gone). */
export interface KnownToken {
  readonly tokenId: string;
  readonly label: string;
  readonly ownerId: string;
  readonly workspaceId: string | null;
}
