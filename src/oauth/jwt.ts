/**
 * OAuth 2.0 JWT access tokens (RFC 9068) verified with jose, as a `ForeignTokenVerifier`: the
 * other half of dual mode (SPEC §16), where interactive MCP clients bring an authorization
 * server's token and agents bring a keycard token, and handlers see one `Identity` either way.
 */
import * as z from 'zod/mini';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
} from 'jose';
import { KeycardError, type ForeignTokenVerifier, type ForeignVerification } from '../index.ts';
import { configError, english, secureUrlText } from '../core/config.ts';
import { list, oneOf, schema as kind, text } from '../core/kinds.ts';
import { oauthIdPart } from '../core/foreign.ts';
import { withDeadline } from '../core/bounded.ts';
import { guardedJwksFetch, JwksUnavailable } from './jwks-fetch.ts';
import { freeze, isArray } from '../core/builtins.ts';

/** How long the `owner` hook may take before the token is `unavailable` (ms). */
const OWNER_BOUND_MS = 5_000;

/**
 * Asymmetric algorithms only. RFC 9068 §4 requires RS256 support and forbids `none`; an HMAC
 * algorithm would let anyone holding the public key (fetched from the JWKS) forge tokens — the
 * classic algorithm-confusion attack — so no `HS*` is accepted even if asked for.
 */
const ASYMMETRIC = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

/** Who a token's subject is, for the owner bound. */
export interface JwtOwner {
  readonly ownerId: string;
  /**
   * The workspace the subject's tokens are bound to: its `workspaceRateLimit` is their limit
   * (none: the default). A workspace a request names never chooses the limit. @default null
   */
  readonly workspaceId?: string | null;
}

/** Options of `jwtAccessTokens`. */
export interface JwtAccessTokenOptions {
  /** The authorization server's issuer identifier; the `iss` claim must equal it exactly. */
  readonly issuer: string;
  /**
   * This resource's identifier (RFC 8707), e.g. `https://api.example.com/mcp`: the `aud` claim
   * must contain it, so a token minted for another resource is refused.
   */
  readonly audience: string;
  /**
   * The issuer's JWKS URL: https (http only on loopback, for tests). Exclusive with `keys`. Keys are cached; an unknown `kid` refetches, at
   * most every 30 s. An answer that is not a 200 with a key set of at most 1 MiB is `unavailable`,
   * and after a failed fetch none other leaves for 5 s.
   */
  readonly jwksUrl?: string;
  /** A fixed key set instead of `jwksUrl` (tests, or a pinned deployment). */
  readonly keys?: JSONWebKeySet;
  /** Accepted `alg` values, a subset of the asymmetric ones. @default RS256, PS256, ES256, EdDSA and their larger sizes */
  readonly algorithms?: readonly string[];
  /**
   * Require the `typ` header `at+jwt` (RFC 9068 §4), which keeps an ID token from being replayed
   * as an access token. ⚠️ Turn it off only for an issuer that cannot set it. @default true
   */
  readonly requireAccessTokenType?: boolean;
  /**
   * Allowed clock skew for `exp`/`nbf`/`iat`, seconds. A token is accepted from `nbf` and `iat` minus
   * this (one issued later than now plus this is `invalid_token`) until `exp` plus this, and
   * its identity's `expiresAt` is that instant (MCP sessions and `AuthInfo.expiresAt` follow it). @default 0
   */
  readonly clockToleranceSeconds?: number;
  /**
   * Maps the verified claims to the owner whose permissions bound the token. Return null to
   * refuse the token (401). A throw, a rejection or no answer within 5 s is `unavailable` (503),
   * reported through keycard's `onError`. @default the `sub` claim, no workspace
   */
  readonly owner?: (claims: Readonly<JWTPayload>) => JwtOwner | null | Promise<JwtOwner | null>;
  /**
   * Fetch for the JWKS; pass `init` on (it holds `redirect: 'manual'` and the deadline's signal).
   * An answer reached by following a redirect is `unavailable` all the same. @default globalThis.fetch
   */
  readonly fetch?: typeof fetch;
  /** The time, epoch ms, for expiry checks. @default Date.now */
  readonly now?: () => number;
  /**
   * Timeout of one JWKS fetch, body included, ms (at most 60,000); it holds even for a `fetch`
   * that ignores its signal. @default 5000
   */
  readonly jwksTimeoutMs?: number;
}

const optionsSchema = z.strictObject({
  // Kinds, not zod's length checks: those throw a TypeError on a `length` they cannot compare.
  issuer: kind<string>(text({ min: 1 })),
  audience: kind<string>(text({ min: 1 })),
  jwksUrl: z.optional(secureUrlText()),
  keys: z.optional(z.looseObject({ keys: z.array(z.looseObject({})) })),
  algorithms: z.optional(kind<string[]>(list(oneOf(ASYMMETRIC), { min: 1 }))),
  requireAccessTokenType: z.optional(z.boolean()),
  clockToleranceSeconds: z.optional(z.number().check(z.int(), z.minimum(0), z.maximum(300))),
  owner: z.optional(z.custom<JwtAccessTokenOptions['owner']>((v) => typeof v === 'function')),
  fetch: z.optional(z.custom<typeof fetch>((v) => typeof v === 'function')),
  now: z.optional(z.custom<() => number>((v) => typeof v === 'function')),
  jwksTimeoutMs: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(60_000))),
});

/**
 * A verifier of RFC 9068 JWT access tokens for `createKeycard({ oauth })`.
 *
 * @example Dual mode: OAuth for interactive clients, keycard tokens for agents
 * ```ts
 * import { jwtAccessTokens } from 'keycard/oauth';
 * const keycard = createKeycard({
 *   prefix: 'acme',
 *   scopes,
 *   oauth: jwtAccessTokens({
 *     issuer: 'https://auth.example.com',
 *     audience: 'https://api.example.com/mcp',
 *     jwksUrl: 'https://auth.example.com/.well-known/jwks.json',
 *   }),
 * });
 * ```
 */
export function jwtAccessTokens(options: JwtAccessTokenOptions): ForeignTokenVerifier {
  const parsed = optionsSchema.safeParse(options, english);
  if (!parsed.success) throw configError('jwtAccessTokens', parsed.error);
  if ((options.jwksUrl === undefined) === (options.keys === undefined)) {
    throw new KeycardError('invalid_config', 'jwtAccessTokens: give exactly one of `jwksUrl` and `keys`');
  }
  // Fetch failures not yet handed to a request: the first request that meets one (of all those
  // that awaited the same shared fetch) carries it to keycard's onError, the others do not.
  const unreported = new WeakSet<Error>();
  const keySet = options.keys
    ? createLocalJWKSet(options.keys)
    : createRemoteJWKSet(new URL(options.jwksUrl!), {
        timeoutDuration: options.jwksTimeoutMs ?? 5000,
        cooldownDuration: 30_000,
        [customFetch]: guardedJwksFetch(
          options.fetch ?? ((url, init) => fetch(url, init)),
          (e) => void unreported.add(e),
        ),
      });
  const now = options.now ?? Date.now;
  const owner = options.owner ?? ((claims: JWTPayload) => (claims.sub ? { ownerId: claims.sub } : null));
  const tolerance = options.clockToleranceSeconds ?? 0;
  const verifyOptions = {
    issuer: options.issuer,
    audience: options.audience,
    algorithms: [...(options.algorithms ?? ASYMMETRIC)],
    clockTolerance: tolerance,
    // RFC 9068 §2.2: iss, exp, aud, sub, client_id, iat and jti are required.
    requiredClaims: ['exp', 'sub', 'iat', 'jti', 'client_id'],
    ...(options.requireAccessTokenType === false ? {} : { typ: 'at+jwt' }),
  };

  async function verify(token: string): Promise<ForeignVerification> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keySet, { ...verifyOptions, currentDate: new Date(now()) }));
    } catch (e) {
      return e instanceof Error && unreported.delete(e)
        ? { ok: false, code: 'unavailable', error: e }
        : { ok: false, code: codeOf(e) };
    }
    // Issued in the future: refused as jose refuses it under maxTokenAge (its `now` is whole seconds).
    if ((payload.iat as number) > Math.floor(now() / 1000) + tolerance) return { ok: false, code: 'invalid_token' };
    // RFC 9068 §2.2 requires both: an empty one is no subject or client (nor an id part keycard can key on).
    const clientId = typeof payload.client_id === 'string' && payload.client_id !== '' ? payload.client_id : null;
    if (typeof payload.sub !== 'string' || payload.sub === '' || clientId === null || typeof payload.exp !== 'number')
      return { ok: false, code: 'invalid_token' };
    let who: JwtOwner | null;
    try {
      // Bounded: a user directory that hangs is an outage (503), not a request held for ever.
      who = await withDeadline(() => owner(freeze({ ...payload })), OWNER_BOUND_MS, 'jwtAccessTokens: owner()');
    } catch (e) {
      return { ok: false, code: 'unavailable', error: e instanceof Error ? e : new Error(String(e)) }; // keycard reports it through onError
    }
    if (!who || typeof who.ownerId !== 'string' || who.ownerId === '') return { ok: false, code: 'invalid_token' };
    return {
      ok: true,
      tokenId: oauthTokenId(payload.sub, clientId),
      subject: payload.sub,
      issuer: options.issuer,
      clientId,
      scopes: scopesOf(payload),
      // When keycard stops accepting it: `exp` plus the tolerance jose allowed, so what the token is
      // accepted for (an MCP session, the SDK's requireBearerAuth) does not end before it.
      expiresAt: (payload.exp + tolerance) * 1000,
      issuedAt: typeof payload.iat === 'number' ? payload.iat * 1000 : now(),
      ownerId: who.ownerId,
      workspaceId: who.workspaceId ?? null,
      label: `${clientId} (OAuth)`,
    };
  }
  return { kind: 'oauth', verify };
}

/**
 * `oauth:<sub>:<client_id>`, each part with `%` and `:` percent-encoded (`%25`, `%3A`). The id
 * keys audit and the MCP session binding (the budget is the subject's: see `issuer` on
 * `ForeignVerification`), and both claims may hold `:` (an
 * `urn:` subject, a URL client id), so unescaped, sub `a:b` with client `c` would be sub `a`
 * with client `b:c`. Values without `%` or `:` (most) keep the plain form, byte for byte.
 */
function oauthTokenId(sub: string, clientId: string): string {
  return `oauth:${oauthIdPart(sub)}:${oauthIdPart(clientId)}`;
}

/** RFC 9068 §2.2.3.1: `scope` is a space-separated string; an array (`scp`) is tolerated. */
function scopesOf(payload: JWTPayload): string[] {
  const s = payload.scope ?? payload.scp;
  if (typeof s === 'string') return s.split(' ').filter(Boolean);
  if (isArray(s)) return s.filter((x): x is string => typeof x === 'string');
  return [];
}

function codeOf(e: unknown): 'invalid_token' | 'token_expired' | 'unavailable' {
  if (e instanceof errors.JWTExpired) return 'token_expired';
  // The key set could not be fetched, or is no usable key set (a private key in it): the
  // authorization server is down or broken, not the token bad.
  if (e instanceof JwksUnavailable || e instanceof errors.JWKSTimeout || e instanceof errors.JWKSInvalid)
    return 'unavailable';
  if (e instanceof TypeError || (e instanceof errors.JOSEError && e.code === 'ERR_JOSE_GENERIC')) return 'unavailable';
  return 'invalid_token';
}
