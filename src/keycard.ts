/**
 * The keycard instance: issue, verify, revoke, rotate, list and update tokens (SPEC §6), with the
 * caches, the owner bound, events and audit wired around one store.
 */
import { argumentValidators } from './core/arguments.ts';
import { AuditTrail, type AuditActor, type AuditSink, type TokenAuditInput } from './core/audit.ts';
import { bounded } from './core/bounded.ts';
import { TokenCache, type CacheEntry } from './core/cache.ts';
import { systemClock, type Clock } from './core/clock.ts';
import { KeycardError } from './core/errors.ts';
import { redactTokens, secretForms } from './core/redact.ts';
import { Emitter, type KeycardEventName, type KeycardEvents } from './core/events.ts';
import { constantTimeEqual, createHasher } from './core/hash.ts';
import { Identity } from './core/identity.ts';
import { limitWithin } from './core/limit-bound.ts';
import { DEFAULT_RATE_LIMIT, parseRateLimit, type LimiterStore, type RateLimitConfig } from './core/limiter.ts';
import { presetMs, validateOptions, type ExpiryPreset, type KeycardOptions } from './core/options.ts';
import { OwnerBound } from './core/owners.ts';
import { ReportThrottle } from './core/report.ts';
import { defineHierarchy, isNarrowerOrEqual, parseRestrictions, type Hierarchy } from './core/restrictions.ts';
import { boundByOwner, type ScopeCatalogue } from './core/scopes.ts';
import { coveredByRevokeAll, type JsonValue, type RateLimitSetting, type RevokeAllFilter, type StoreChange, type StoredToken, type TokenPatch, type TokenRecord, type TokenStore } from './core/store.ts';
import { generate, parse, randomBase62, tokenStart, type TokenFormat } from './core/token.ts';
import { memoryTokenStore } from './stores/memory.ts';
import { memoryLimiter } from './stores/memory-limiter.ts';
import { createAuthenticator, type Authenticate, type KnownToken } from './core/authenticate.ts';
import { LEAK_INTAKE, type LeakIntakePort } from './leaks/port.ts';

/**
 * Who performs a management call. `issue`, `update` and `rotate` refuse to grant what the actor
 * could not do itself: a user is bounded by the scopes you pass for them now, a token by its own
 * effective scopes and restrictions (a token never mints a wider token). `system` is unbounded:
 * ⚠️ use it only for code paths no caller controls (migrations, an admin console with its own checks).
 */
export type Actor = (
  | { readonly kind: 'user'; readonly id: string; readonly scopes: readonly string[] }
  | { readonly kind: 'token'; readonly identity: Identity }
  | { readonly kind: 'system'; readonly id?: string }
) & {
  /** The request this call serves (e.g. from `requestIdFrom`), recorded as `requestId` on its audit event. */
  readonly requestId?: string;
};

/** What `issue` accepts. */
export interface IssueInput<S extends string = string> {
  readonly ownerId: string;
  readonly label: string;
  /** @default the catalogue's defaults */
  readonly scopes?: readonly S[];
  /** @default 'personal' */
  readonly kind?: 'personal' | 'workspace';
  /** Required for workspace tokens. */
  readonly workspaceId?: string | null;
  readonly restrictions?: Readonly<Record<string, readonly string[]>> | null;
  readonly rateLimit?: RateLimitSetting | null;
  /** A preset or milliseconds from now. Exclusive with `expiresAt`. @default the instance's `defaultExpiresIn` */
  readonly expiresIn?: ExpiryPreset | number;
  /** An absolute expiry (epoch ms or Date), in the future. */
  readonly expiresAt?: number | Date | null;
  readonly metadata?: Readonly<Record<string, JsonValue>>;
  /** @default { kind: 'system' } — ⚠️ unbounded; pass the real actor wherever a person or token asks. */
  readonly actor?: Actor;
}

/** A new token: the secret, shown once, and its record. */
export interface IssuedToken {
  /** ⚠️ The secret. Show it once; keycard keeps only its hash and can never return it again. */
  readonly token: string;
  readonly record: TokenRecord;
}

/** The answer of `verify`. */
export type VerifyResult<S extends string = string> =
  | { readonly ok: true; readonly identity: Identity<S> }
  | { readonly ok: false; readonly code: 'invalid_token' | 'token_expired' | 'token_revoked' | 'unavailable' };

/** What `list` accepts. */
export interface ListFilter {
  readonly ownerId?: string;
  readonly workspaceId?: string;
  readonly kind?: 'personal' | 'workspace';
  /** @default 'all' */
  readonly status?: 'active' | 'revoked' | 'expired' | 'all';
  /** 1..500. @default 100 */
  readonly limit?: number;
  readonly cursor?: string | null;
}

/** Fields `update` may change (SPEC §6). */
export interface UpdatePatch<S extends string = string> {
  readonly label?: string;
  readonly metadata?: Readonly<Record<string, JsonValue>>;
  /** Either way: wider or narrower. `null` returns to the workspace's or default limit. */
  readonly rateLimit?: RateLimitSetting | null;
  /** Only earlier than now set (a token that never expires may get an expiry). */
  readonly expiresAt?: number | Date;
  /** Only narrower: closure(new) ⊆ closure(old). */
  readonly scopes?: readonly S[];
  /** Only narrower (see docs/restrictions.md). */
  readonly restrictions?: Readonly<Record<string, readonly string[]>> | null;
}

/** A keycard instance. */
export interface Keycard<S extends string = string> {
  readonly scopes: ScopeCatalogue<S>;
  /** The clock this instance reads (the injected one in tests), for adapters that compute expiries. */
  readonly clock: Clock;
  readonly store: TokenStore;
  readonly limiter: LimiterStore;
  /** The resource types of the `resources` hierarchy, root first (empty without one), for pickers and the management API. */
  readonly resourceTypes: readonly string[];
  issue(input: IssueInput<S>): Promise<IssuedToken>;
  verify(token: string, context?: { readonly workspaceId?: string | null }): Promise<VerifyResult<S>>;
  revoke(id: string, options?: { readonly reason?: string; readonly actor?: Actor }): Promise<TokenRecord>;
  revokeAll(filter: RevokeAllFilter, options?: { readonly reason?: string; readonly actor?: Actor }): Promise<{ readonly count: number }>;
  rotate(id: string, options?: { readonly graceMs?: number; readonly actor?: Actor }): Promise<IssuedToken>;
  list(filter?: ListFilter): Promise<{ readonly records: readonly TokenRecord[]; readonly nextCursor: string | null }>;
  get(id: string): Promise<TokenRecord | null>;
  update(id: string, patch: UpdatePatch<S>, options?: { readonly actor?: Actor }): Promise<TokenRecord>;
  /**
   * Delivers a management event to the audit sinks (bounded, never rejects): for management
   * surfaces built beside the instance, such as the device routes, whose steps are not calls of
   * this interface. Prefer the lifecycle methods, which audit themselves.
   */
  recordAudit(event: TokenAuditInput): Promise<void>;
  /** Forget cached owner answers for `principalId` here and in every process sharing the store. */
  invalidateOwner(principalId: string): Promise<void>;
  on<E extends KeycardEventName>(event: E, listener: (payload: KeycardEvents[E]) => void): () => void;
  /** The request pipeline (SPEC §5, §8). */
  authenticate: Authenticate<S>;
  /** Flushes pending `lastUsedAt` writes and audit events, unsubscribes, stops background work. */
  close(): Promise<void>;
}

/** Strips what must never leave the core: the hash and its pepper version. */
export function toRecord(t: StoredToken): TokenRecord {
  const { hash: _hash, pepperVersion: _pepper, ...record } = t;
  return record;
}

const actorOf = (actor: Actor | undefined): AuditActor => {
  if (!actor || actor.kind === 'system') return { kind: 'system', id: actor?.id ?? null };
  return actor.kind === 'user' ? { kind: 'user', id: actor.id } : { kind: 'token', id: actor.identity.tokenId };
};

/** Free text an integrator passes (labels, reasons, metadata) is stored redacted: a pasted token must not persist. */
const clean = <T>(value: T): T => {
  if (typeof value === 'string') return redactTokens(value) as T;
  if (Array.isArray(value)) return value.map(clean) as T;
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [redactTokens(k), clean(v)])) as T;
  return value;
};

const epochMs = (v: number | Date, field: string): number => {
  const n = v instanceof Date ? v.getTime() : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new KeycardError('invalid_argument', `${field} must be a Date or epoch milliseconds`);
  return Math.trunc(n);
};

const str = (v: unknown, field: string, max = 256): string => {
  if (typeof v !== 'string' || v.length === 0 || v.length > max) {
    throw new KeycardError('invalid_argument', `${field} must be a non-empty string of at most ${max} characters`);
  }
  return v;
};

/**
 * Creates a keycard instance over a token store (memory by default).
 *
 * @example Quickstart
 * ```ts
 * const keycard = createKeycard({ prefix: 'acme', scopes: defineScopes({ read: {} }) });
 * const { token } = await keycard.issue({ ownerId: 'u1', label: 'ci', scopes: ['read'] });
 * (await keycard.verify(token)).ok; // true
 * ```
 */
export function createKeycard<S extends string>(options: KeycardOptions<S>): Keycard<S> {
  validateOptions(options);
  const clock: Clock = options.clock ?? systemClock;
  const reportError = options.onError ?? ((e: unknown) => console.error('keycard:', e instanceof Error ? `${e.name}: ${e.message}` : e));
  // Every report goes through here: an integrator's onError that throws must not turn a store
  // outage into a 500, a background write into an unhandled rejection, or a listener's failure
  // into a failed management call that already wrote.
  const onError = (e: unknown): void => {
    try {
      reportError(e);
    } catch {
      // dropped: the reporter itself is broken, and nothing is left to report to
    }
  };
  // Failures on the request path (store, resolver, limiter, background writes) are coalesced per
  // kind per second with a count: an outage must not become one report per request.
  const requestErrors = new ReportThrottle(onError, clock);
  const onRequestError = requestErrors.report;
  const onWarning = options.onWarning ?? ((m: string) => console.warn(m));
  const catalogue = options.scopes;
  const format: TokenFormat = { prefix: options.prefix, type: options.type ?? 'sk' };
  const ownStore = options.store === undefined;
  const store = options.store ?? memoryTokenStore();
  const limiter = options.limiter ?? memoryLimiter({ clock });
  if (store.shared && options.limiter === undefined) {
    onWarning(
      'keycard: the token store is shared between processes but the rate limiter is in memory: each process counts on its own, so N processes multiply every limit by N. Use a shared limiter (keycard/redis).',
    );
  }
  const hasher = createHasher(options.peppers ?? []);
  const hierarchy: Hierarchy | null = options.resources ? defineHierarchy(options.resources) : null;
  const defaultRateLimit: RateLimitConfig = options.rateLimit ? parseRateLimit(options.rateLimit, 'rateLimit') : DEFAULT_RATE_LIMIT;
  const timeoutMs = options.storeTimeoutMs ?? 500;
  const revocationBoundMs = options.revocationBoundMs ?? 1000;
  const touchIntervalMs = options.touchIntervalMs ?? 60_000;
  const defaultExpiry = options.defaultExpiresIn ?? 'never';
  const cache = new TokenCache(options.cacheSize ?? 10_000, options.negativeCacheSize ?? 10_000);
  const owners = options.resolveOwner ? new OwnerBound(options.resolveOwner, options.ownerCacheMs ?? 1000, timeoutMs, clock) : null;
  const emitter = new Emitter(onError);
  const sinks: readonly AuditSink[] = options.audit === undefined ? [] : Array.isArray(options.audit) ? options.audit : [options.audit as AuditSink];
  const audit = new AuditTrail({
    sinks,
    queueSize: options.auditQueueSize ?? 10_000,
    timeoutMs: options.auditTimeoutMs ?? 1000,
    onError,
    clock,
  });

  const call = <T>(what: string, f: () => T | Promise<T>) => bounded(f, timeoutMs, what);
  const args = argumentValidators({ catalogue, hierarchy, clock });

  // ── change notifications ──
  // In-process stores (memory) deliver every change synchronously, so a cached record is trusted
  // until a change evicts it. A shared store's notifications can be lost (a dropped message, a
  // half-open subscriber socket), so it must also send heartbeats (≤ 250 ms apart) carrying its
  // change sequence: the cache is trusted only while one was heard within revocationBoundMs, a
  // sequence gap or a silence drops it, and until heartbeats resume every verification reads the
  // store. A store without notifications gets a per-entry TTL of revocationBoundMs.
  const LONG_TRUST_MS = 5 * 60_000;
  let subscribedOk = false;
  let lastHeard = Number.NEGATIVE_INFINITY;
  let lastSeq = -1;
  const revokedEmitted = new Set<string>();
  const expiredEmitted = new Set<string>();
  const once = (set: Set<string>, id: string) => {
    if (set.has(id)) return false;
    if (set.size >= 10_000) set.clear();
    set.add(id);
    return true;
  };
  const noteRevoked = (tokenId: string, record: TokenRecord | null) => {
    if (once(revokedEmitted, tokenId)) emitter.emit('token.revoked', { tokenId, record });
  };
  /** A shared store spoke: detect silences and sequence gaps, which mean changes may be missed. */
  const heard = (seq: number, isHeartbeat: boolean) => {
    const now = clock.monotonic();
    const gap = lastSeq >= 0 && (isHeartbeat ? seq > lastSeq : seq > lastSeq + 1);
    if (gap || now - lastHeard >= revocationBoundMs) {
      cache.clear();
      owners?.invalidateAll();
    }
    lastHeard = now;
    if (seq > lastSeq) lastSeq = seq;
  };
  const onChange = (change: StoreChange) => {
    if (store.shared && change.seq >= 0) heard(change.seq, change.type === 'heartbeat');
    switch (change.type) {
      case 'token':
        cache.invalidate(change.hash);
        if (change.revoked) noteRevoked(change.id, null);
        break;
      case 'revokeAll': {
        const f = change.filter;
        cache.invalidateWhere((t) => coveredByRevokeAll(f, t));
        emitter.emit('token.revokedAll', { filter: f });
        break;
      }
      case 'owner':
        owners?.invalidate(change.principalId);
        cache.fence(); // an owner's standing changed: lookups in flight must not cache what they read
        break;
      case 'heartbeat':
        break;
    }
  };
  let unsubscribe: (() => unknown) | null = null;
  const subscribed: Promise<void> = (async () => {
    if (!store.subscribe) return;
    try {
      unsubscribe = await store.subscribe(onChange);
      subscribedOk = true;
    } catch (e) {
      onError(new KeycardError('unavailable', 'Subscribing to store changes failed; caching only for revocationBoundMs', { cause: e }));
    }
  })();
  /** How long a cached entry may be trusted now (0: read the store). */
  const cacheTrustMs = (): number => {
    if (!subscribedOk) return revocationBoundMs;
    if (!store.shared) return LONG_TRUST_MS;
    return clock.monotonic() - lastHeard < revocationBoundMs ? LONG_TRUST_MS : 0;
  };

  // ── lastUsedAt, throttled ──
  const lastTouch = new Map<string, number>();
  const pending = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };
  const cacheEnabled = (options.cacheSize ?? 10_000) > 0;
  /** Throttled `lastUsedAt`: the last write's time lives on the cache entry (a Map only without a cache). */
  const touch = (id: string, entry: CacheEntry, now: number) => {
    const last = cacheEnabled ? entry.touchedAt : lastTouch.get(id);
    if (last !== undefined && now - last < touchIntervalMs) return;
    if (cacheEnabled) entry.touchedAt = now;
    else {
      if (lastTouch.size >= 100_000) lastTouch.clear(); // bounded; at worst one extra write per token
      lastTouch.set(id, now);
    }
    track(Promise.resolve().then(() => call('Token store touch', () => store.touch(id, clock.now()))).catch(onRequestError));
  };

  // ── lookup ──
  /** The stored record for a secret, through the caches; null when unknown. */
  function lookup(secret: string, mono: number): CacheEntry | null | Promise<CacheEntry | null> {
    const hash = hasher.hash(secret);
    const hit = cache.get(hash);
    // A cache hit answers synchronously: no promise on the hot path.
    if (hit && mono - hit.loadedAt < cacheTrustMs()) return hit;
    if (cache.isKnownUnknown(hash, mono)) return null;
    // Single flight: identical concurrent lookups share one store read, but only one that began
    // at the current cache epoch. A lookup that began before a revoke or an invalidation is never
    // joined after it, so a verify that starts after revoke() returned cannot see the old record.
    const flying = inflight.get(hash);
    if (flying && flying.epoch === cache.epoch) return flying.promise;
    const flight = { epoch: cache.epoch, promise: lookupStore(secret, hash) };
    if (inflight.size >= 10_000) inflight.clear(); // bounded; at worst a duplicate read
    inflight.set(hash, flight);
    void flight.promise.then(
      () => inflight.get(hash) === flight && inflight.delete(hash),
      () => inflight.get(hash) === flight && inflight.delete(hash),
    );
    return flight.promise;
  }
  const inflight = new Map<string, { readonly epoch: number; readonly promise: Promise<CacheEntry | null> }>();

  /** One read for every pepper generation: `findByAnyHash` when the store has it, else one per generation. */
  async function readAny(secret: string, hashes: readonly string[]): Promise<StoredToken | null> {
    const read = async () => {
      if (hashes.length > 1 && store.findByAnyHash) return store.findByAnyHash(hashes);
      let found: StoredToken | null = null;
      for (const h of hashes) if ((found = await store.findByHash(h))) return found;
      // Another request may have re-hashed it under the current pepper between our reads: ask
      // once more before calling it unknown, or the negative cache would hide a real token.
      return hashes.length > 1 ? store.findByHash(hashes[0]!) : null;
    };
    try {
      return await call('Token store lookup', read);
    } catch (e) {
      // The driver's error may spell the hash glued to other text: mask the exact known forms too.
      throw new KeycardError('unavailable', e instanceof Error ? e.message : 'Token store lookup failed', { cause: (e as { cause?: unknown }).cause ?? e, secrets: secretForms(secret, hashes) });
    }
  }

  async function lookupStore(secret: string, hash: string): Promise<CacheEntry | null> {
    const epoch = cache.epoch;
    const hashes = [hash, ...hasher.retiringVersions.map((v) => hasher.hash(secret, v))];
    const found = await readAny(secret, hashes);
    // A store that matched loosely (collation, prefix) must not let a different hash through.
    const usedHash = found === null ? undefined : hashes.find((h) => constantTimeEqual(found.hash, h));
    if (found === null || usedHash === undefined) {
      cache.rememberUnknown(hash, epoch, clock.monotonic());
      return null;
    }
    if (usedHash !== hash) {
      const from = usedHash;
      track(Promise.resolve().then(() => call('Token store rehash', () => store.rehash(found.id, from, hash, hasher.currentVersion))).catch(onRequestError));
    }
    const restrictions = found.restrictions && hierarchy ? parseRestrictions(hierarchy, found.restrictions) : found.restrictions;
    const entry: CacheEntry = { token: found, closure: catalogue.closure(found.scopes), restrictions, loadedAt: clock.monotonic() };
    if (usedHash === hash) cache.insert(hash, entry, epoch);
    // A read that lagged behind a change this process already holds (a replica, a slow socket)
    // never wins over it: the newer or revoked entry is the answer.
    const held = cache.get(hash);
    if (held && held !== entry && (held.token.version > found.version || (held.token.revokedAt !== null && found.revokedAt === null))) return held;
    return entry;
  }

  type Outcome = VerifyResult<S> & { entry?: CacheEntry; known?: KnownToken };
  const INVALID: Outcome = Object.freeze({ ok: false, code: 'invalid_token' });
  const UNAVAILABLE: Outcome = Object.freeze({ ok: false, code: 'unavailable' });

  /**
   * Verification of a secret: the shared core of `verify` and `authenticate`. Synchronous when
   * the caches answer and no owner resolver must be asked, so a cached token costs no promise.
   */
  function verifySecret(secret: string, workspaceId: string | null | undefined): Outcome | Promise<Outcome> {
    if (parse(secret, format) === undefined) return INVALID;
    const mono = clock.monotonic();
    let found: CacheEntry | null | Promise<CacheEntry | null>;
    try {
      found = lookup(secret, mono);
    } catch (e) {
      onRequestError(e);
      return UNAVAILABLE;
    }
    if (found instanceof Promise) {
      return found.then(
        (entry) => checkEntry(entry, workspaceId, mono),
        (e: unknown) => {
          onRequestError(e);
          return UNAVAILABLE;
        },
      );
    }
    return checkEntry(found, workspaceId, mono);
  }

  function checkEntry(entry: CacheEntry | null, workspaceId: string | null | undefined, mono: number): Outcome | Promise<Outcome> {
    if (entry === null) return INVALID;
    const t = entry.token;
    if (t.revokedAt !== null) return { ok: false, code: 'token_revoked', known: knownOf(t) };
    if (t.expiresAt !== null && clock.now() >= t.expiresAt) {
      if (once(expiredEmitted, t.id)) emitter.emit('token.expired', { record: toRecord(t) });
      return { ok: false, code: 'token_expired', known: knownOf(t) };
    }
    if (owners) return checkOwner(entry, workspaceId, mono);
    touch(t.id, entry, mono);
    return { ok: true, identity: identityOf(entry, entry.closure as ReadonlySet<S>), entry };
  }

  const knownOf = (t: StoredToken): KnownToken => ({ tokenId: t.id, label: t.label, ownerId: t.ownerId, workspaceId: t.workspaceId });

  /** The identity is immutable: built once per cached record unless an owner bound narrowed it. */
  function identityOf(entry: CacheEntry, scopes: ReadonlySet<S>): Identity<S> {
    const make = () => new Identity<S>({ ...toRecord(entry.token), restrictions: entry.restrictions }, scopes, hierarchy);
    return scopes === entry.closure ? ((entry as { identity?: Identity<S> }).identity ??= make()) : make();
  }

  async function checkOwner(entry: CacheEntry, workspaceId: string | null | undefined, mono: number): Promise<Outcome> {
    const t = entry.token;
    const known = knownOf(t);
    let scopes = entry.closure as ReadonlySet<S>;
    if (owners) {
      const personal = t.kind === 'personal';
      const principal = personal ? t.ownerId : t.workspaceId!;
      const ws = personal ? (workspaceId ?? t.workspaceId) : t.workspaceId;
      let standing;
      try {
        standing = await owners.status(principal, ws, t.kind);
      } catch (e) {
        onRequestError(e);
        return { ok: false, code: 'unavailable', known };
      }
      if (standing.status !== 'active') {
        emitter.emit('owner.gone', { principalId: principal, workspaceId: ws, status: standing.status });
        return { ok: false, code: 'token_revoked', known };
      }
      if (standing.scopes) scopes = boundByOwner(scopes, catalogue.closure(standing.scopes));
    }
    touch(t.id, entry, mono);
    return { ok: true, identity: identityOf(entry, scopes), entry };
  }

  // ── management ──
  const announce = async (event: Parameters<AuditTrail['token']>[0], by?: Actor) =>
    audit.token(by?.requestId === undefined ? event : { ...event, requestId: by.requestId });

  /** What a grant gives besides scopes: who it acts for and for how long. */
  interface GrantShape {
    readonly ownerId: string;
    readonly kind: 'personal' | 'workspace';
    readonly workspaceId: string | null;
    readonly expiresAt: number | null;
  }

  function assertActorMayGrant(actor: Actor | undefined, scopes: readonly string[], restrictions: StoredToken['restrictions'], shape?: GrantShape) {
    if (!actor || actor.kind === 'system') return;
    if (actor.kind === 'token' && shape) {
      // A token never mints a token wider than itself: not for another owner, workspace or kind,
      // and not outliving it.
      const me = actor.identity;
      if (shape.ownerId !== me.ownerId || shape.kind !== me.kind || shape.workspaceId !== me.workspaceId) {
        throw new KeycardError('scope_escalation', 'A token may only mint tokens for its own owner, kind and workspace');
      }
      if (me.expiresAt !== null && (shape.expiresAt === null || shape.expiresAt > me.expiresAt)) {
        throw new KeycardError('scope_escalation', 'A token may not mint a token that outlives it');
      }
    }
    const bound = actor.kind === 'user' ? actor.scopes : [...actor.identity.scopes];
    if (!catalogue.isWithin(scopes, bound)) {
      const outside = [...catalogue.closure(scopes)].filter((s) => !catalogue.closure(bound).has(s));
      throw new KeycardError('scope_escalation', `Actor may not grant scope: ${outside.join(', ')}`);
    }
    if (actor.kind === 'token' && actor.identity.restrictions !== null) {
      if (!hierarchy || !isNarrowerOrEqual(hierarchy, restrictions, actor.identity.restrictions)) {
        throw new KeycardError('scope_escalation', 'A restricted token may only mint tokens within its own restrictions');
      }
    }
  }

  /** The limit a token with this setting is charged under: its own, else its workspace's, else the default (as authenticate() picks). */
  async function effectiveLimit(setting: RateLimitSetting | null, workspaceId: string | null): Promise<RateLimitConfig> {
    if (setting) return parseRateLimit(setting, 'rateLimit');
    const resolver = options.workspaceRateLimit;
    if (resolver && workspaceId !== null) {
      const input = await call('Workspace rate-limit resolver', () => resolver(workspaceId));
      if (input) return parseRateLimit(input, 'workspaceRateLimit()');
    }
    return defaultRateLimit;
  }

  /**
   * Rate limits are part of "wider": a token actor never grants (issue, rotate) or sets (update,
   * its own record included) a limit above its own effective one. Each token is charged to its own
   * family's budget, so this bounds every child, not their sum.
   */
  async function assertActorMayLimit(actor: Actor | undefined, setting: RateLimitSetting | null, workspaceId: string | null): Promise<void> {
    if (actor?.kind !== 'token') return;
    const me = actor.identity;
    const [mine, granted] = await Promise.all([effectiveLimit(me.rateLimit, me.workspaceId), effectiveLimit(setting, workspaceId)]);
    if (!limitWithin(granted, mine)) throw new KeycardError('scope_escalation', 'A token may not grant a rate limit above its own (neither a larger burst nor a faster rate)');
  }

  const parseRestrictionsArg = (value: unknown): StoredToken['restrictions'] => {
    if (value === undefined || value === null) return null;
    if (!hierarchy) throw new KeycardError('invalid_argument', 'restrictions need `resources` (the hierarchy) on createKeycard');
    return parseRestrictions(hierarchy, value);
  };
  const parseLimitArg = (value: RateLimitSetting | null | undefined, field: string): RateLimitSetting | null => {
    if (value === undefined || value === null) return null;
    try {
      parseRateLimit(value, field);
    } catch (e) {
      throw new KeycardError('invalid_argument', (e as Error).message);
    }
    return structuredClone(value) as RateLimitSetting;
  };

  async function mustGet(id: string): Promise<StoredToken> {
    const t = await call('Token store read', () => store.get(str(id, 'id')));
    if (!t) throw new KeycardError('not_found', `No token with id ${id}`);
    return t;
  }

  async function create(base: Omit<StoredToken, 'hash' | 'pepperVersion' | 'start' | 'id' | 'familyId' | 'version'> & { familyId?: string }): Promise<IssuedToken> {
    const secret = generate(format);
    const id = `tok_${randomBase62(22)}`;
    const stored: StoredToken = {
      ...base,
      id,
      familyId: base.familyId ?? id,
      start: tokenStart(secret, format),
      hash: hasher.hash(secret),
      pepperVersion: hasher.currentVersion,
      version: 1,
    };
    await call('Token store create', () => store.create(stored));
    return { token: secret, record: toRecord(stored) };
  }

  /**
   * A store stores a token revoked when a `revokeAll` covering it committed first (the two raced):
   * `issue` then refuses rather than hand out a secret that is dead on arrival.
   */
  async function refuseIfCoveredByRevokeAll(id: string): Promise<void> {
    const stored = await mustGet(id);
    if (stored.revokedAt !== null) {
      throw new KeycardError('token_revoked', `A revokeAll of this ${stored.kind === 'personal' ? 'owner' : 'workspace'} ran while issuing; the new token ${id} was revoked`);
    }
  }

  const keycard: Keycard<S> = {
    scopes: catalogue,
    clock,
    store,
    limiter,
    resourceTypes: Object.freeze([...(options.resources ?? [])]),

    async issue(input) {
      args.issue(input);
      const ownerId = str(input.ownerId, 'ownerId');
      const label = clean(str(input.label, 'label', 200));
      const kind = input.kind ?? 'personal';
      if (kind !== 'personal' && kind !== 'workspace') throw new KeycardError('invalid_argument', "kind must be 'personal' or 'workspace'");
      const workspaceId = input.workspaceId == null ? null : str(input.workspaceId, 'workspaceId');
      if (kind === 'workspace' && workspaceId === null) throw new KeycardError('invalid_argument', 'workspace tokens need a workspaceId');
      const scopes = catalogue.parseGrant(input.scopes ?? catalogue.defaults);
      if (scopes.length === 0) throw new KeycardError('invalid_argument', 'scopes must name at least one scope (or declare defaults)');
      const restrictions = parseRestrictionsArg(input.restrictions);
      const now = clock.now();
      if (input.expiresAt != null && input.expiresIn !== undefined) throw new KeycardError('invalid_argument', 'give expiresIn or expiresAt, not both');
      let expiresAt: number | null;
      if (input.expiresAt != null) {
        expiresAt = epochMs(input.expiresAt, 'expiresAt');
        if (expiresAt <= now) throw new KeycardError('invalid_argument', 'expiresAt must be in the future');
      } else {
        const preset = input.expiresIn ?? defaultExpiry;
        if (typeof preset === 'number' && (!Number.isInteger(preset) || preset <= 0)) throw new KeycardError('invalid_argument', 'expiresIn must be a positive number of milliseconds');
        if (typeof preset === 'string' && !['never', '30d', '90d', '365d'].includes(preset)) throw new KeycardError('invalid_argument', "expiresIn must be 'never', '30d', '90d', '365d' or milliseconds");
        const span = presetMs(preset);
        expiresAt = span === null ? null : now + span;
        // A token minting without naming an expiry gets at most its own lifetime.
        const parent = input.actor?.kind === 'token' ? input.actor.identity.expiresAt : null;
        if (input.expiresIn === undefined && parent !== null && (expiresAt === null || expiresAt > parent)) expiresAt = parent;
      }
      assertActorMayGrant(input.actor, scopes, restrictions, { ownerId, kind, workspaceId, expiresAt });
      // A token minting without naming a limit passes on its own (never the possibly higher default).
      const rateLimit = input.rateLimit === undefined && input.actor?.kind === 'token' ? input.actor.identity.rateLimit : parseLimitArg(input.rateLimit, 'rateLimit');
      await assertActorMayLimit(input.actor, rateLimit, workspaceId);
      const issued = await create({
        label,
        ownerId,
        kind,
        workspaceId,
        scopes,
        restrictions,
        rateLimit: rateLimit === null ? null : (structuredClone(rateLimit) as RateLimitSetting),
        createdAt: now,
        createdBy: actorOf(input.actor).id,
        expiresAt,
        revokedAt: null,
        revokedReason: null,
        lastUsedAt: null,
        rotatedFromId: null,
        metadata: clean(structuredClone(input.metadata ?? {})),
      });
      await refuseIfCoveredByRevokeAll(issued.record.id);
      await announce({ type: 'token.issued', tokenId: issued.record.id, label, ownerId, workspaceId, actor: actorOf(input.actor) }, input.actor);
      emitter.emit('token.issued', { record: issued.record });
      return issued;
    },

    recordAudit: (event) => audit.token(event),

    async verify(token, context) {
      const r = await verifySecret(token, context?.workspaceId);
      return r.ok ? { ok: true, identity: r.identity } : { ok: false, code: r.code };
    },

    async revoke(id, opts = {}) {
      args.revoke(id, opts);
      const reason = opts.reason === undefined ? null : clean(str(opts.reason, 'reason', 500));
      const t = await call('Token store revoke', () => store.revoke(str(id, 'id'), clock.now(), reason));
      if (!t) throw new KeycardError('not_found', `No token with id ${id}`);
      cache.invalidate(t.hash);
      const record = toRecord(t);
      await announce({ type: 'token.revoked', tokenId: t.id, label: t.label, ownerId: t.ownerId, workspaceId: t.workspaceId, actor: actorOf(opts.actor), ...(reason ? { reason } : {}) }, opts.actor);
      noteRevoked(t.id, record);
      return record;
    },

    async revokeAll(filter, opts = {}) {
      args.revokeAll(filter, opts);
      const f: RevokeAllFilter =
        filter && 'ownerId' in filter ? { ownerId: str(filter.ownerId, 'ownerId') } : { workspaceId: str((filter as { workspaceId: string })?.workspaceId, 'workspaceId') };
      const reason = opts.reason === undefined ? null : clean(str(opts.reason, 'reason', 500));
      const { count } = await call('Token store revokeAll', () => store.revokeAll(f, clock.now(), reason));
      // Immediate here; other processes hear it from the store. The event fires once: from the
      // store's announcement when subscribed, from here otherwise.
      if (subscribedOk) cache.invalidateWhere((t) => coveredByRevokeAll(f, t));
      else onChange({ type: 'revokeAll', seq: -1, filter: f, revokedBefore: clock.now() });
      await announce({
        type: 'token.revoked',
        tokenId: null,
        label: null,
        ownerId: 'ownerId' in f ? f.ownerId : null,
        workspaceId: 'workspaceId' in f ? f.workspaceId : null,
        actor: actorOf(opts.actor),
        count,
        ...(reason ? { reason } : {}),
      }, opts.actor);
      return { count };
    },

    async rotate(id, opts = {}) {
      args.rotate(id, opts);
      const graceMs = opts.graceMs ?? 0;
      if (!Number.isInteger(graceMs) || graceMs < 0) throw new KeycardError('invalid_argument', 'graceMs must be an integer >= 0');
      const old = await mustGet(id);
      const now = clock.now();
      if (old.revokedAt !== null) throw new KeycardError('token_revoked', `Token ${old.id} is revoked; issue a new one`);
      if (old.expiresAt !== null && now >= old.expiresAt) throw new KeycardError('token_expired', `Token ${old.id} has expired; issue a new one`);
      if (owners) {
        const personal = old.kind === 'personal';
        const standing = await owners.status(personal ? old.ownerId : old.workspaceId!, old.workspaceId, old.kind);
        if (standing.status !== 'active') throw new KeycardError('token_revoked', `The owner of token ${old.id} is ${standing.status}`);
      }
      const newExpiry = old.expiresAt === null ? null : now + (old.expiresAt - old.createdAt);
      assertActorMayGrant(opts.actor, old.scopes, old.restrictions, { ...old, expiresAt: newExpiry });
      await assertActorMayLimit(opts.actor, old.rateLimit, old.workspaceId);
      const issued = await create({
        label: old.label,
        ownerId: old.ownerId,
        kind: old.kind,
        workspaceId: old.workspaceId,
        scopes: old.scopes,
        restrictions: old.restrictions,
        rateLimit: old.rateLimit,
        createdAt: now,
        createdBy: actorOf(opts.actor).id,
        expiresAt: newExpiry,
        revokedAt: null,
        revokedReason: null,
        lastUsedAt: null,
        rotatedFromId: old.id,
        familyId: old.familyId,
        metadata: old.metadata,
      });
      // A revoke or revokeAll that landed between our read and our create must not leave a live
      // successor of a revoked token (a departed member's token rotated in the same instant).
      const after = await mustGet(old.id);
      if (after.revokedAt !== null) {
        await call('Token store revoke', () => store.revoke(issued.record.id, clock.now(), 'rotated from a revoked token'));
        throw new KeycardError('token_revoked', `Token ${old.id} was revoked while rotating; the new token was revoked too`);
      }
      const until = Math.min(old.expiresAt ?? Number.POSITIVE_INFINITY, now + graceMs);
      let current = after;
      for (let attempt = 0; ; attempt++) {
        const r = await call('Token store update', () => store.update(current.id, { expiresAt: until }, current.version));
        if (r.ok) {
          cache.invalidate(r.token.hash);
          current = r.token;
          break;
        }
        if (r.reason === 'not_found' || attempt >= 3) throw new KeycardError('conflict', `Token ${old.id} changed while rotating; the new token ${issued.record.id} exists, retry to shorten the old one`);
        current = await mustGet(old.id);
        if (current.revokedAt !== null || (current.expiresAt !== null && current.expiresAt <= until)) break;
      }
      await announce({ type: 'token.rotated', tokenId: issued.record.id, label: old.label, ownerId: old.ownerId, workspaceId: old.workspaceId, actor: actorOf(opts.actor), rotatedFromId: old.id }, opts.actor);
      emitter.emit('token.rotated', { record: issued.record, previous: toRecord(current) });
      return issued;
    },

    async list(filter = {}) {
      args.list(filter);
      const limit = filter.limit ?? 100;
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new KeycardError('invalid_argument', 'limit must be an integer from 1 to 500');
      const status = filter.status ?? 'all';
      if (!['active', 'revoked', 'expired', 'all'].includes(status)) throw new KeycardError('invalid_argument', "status must be 'active', 'revoked', 'expired' or 'all'");
      const page = await call('Token store list', () =>
        store.list({
          ...(filter.ownerId !== undefined ? { ownerId: filter.ownerId } : {}),
          ...(filter.workspaceId !== undefined ? { workspaceId: filter.workspaceId } : {}),
          ...(filter.kind !== undefined ? { kind: filter.kind } : {}),
          status,
          now: clock.now(),
          limit,
          cursor: filter.cursor ?? null,
        }),
      );
      return { records: page.tokens.map(toRecord), nextCursor: page.nextCursor };
    },

    async get(id) {
      args.get(id);
      const t = await call('Token store read', () => store.get(str(id, 'id')));
      return t ? toRecord(t) : null;
    },

    async update(id, patch, opts = {}) {
      args.update(id, patch, opts);
      for (let attempt = 0; ; attempt++) {
        const old = await mustGet(id);
        const next: { -readonly [K in keyof TokenPatch]: TokenPatch[K] } = {};
        const changes: string[] = [];
        if (patch.label !== undefined) next.label = clean(str(patch.label, 'label', 200));
        if (patch.metadata !== undefined) next.metadata = clean(structuredClone(patch.metadata));
        if (patch.rateLimit !== undefined) next.rateLimit = parseLimitArg(patch.rateLimit, 'rateLimit');
        if (patch.expiresAt !== undefined) {
          const at = epochMs(patch.expiresAt, 'expiresAt');
          if (old.expiresAt !== null && at > old.expiresAt) throw new KeycardError('scope_escalation', 'expiresAt may only move earlier');
          next.expiresAt = at;
        }
        if (patch.scopes !== undefined) {
          const scopes = catalogue.parseGrant(patch.scopes);
          if (scopes.length === 0) throw new KeycardError('invalid_argument', 'scopes must name at least one scope');
          if (!catalogue.isWithin(scopes, old.scopes)) throw new KeycardError('scope_escalation', 'update may only narrow scopes: closure(new) must be within closure(old)');
          next.scopes = scopes;
        }
        if (patch.restrictions !== undefined) {
          const r = parseRestrictionsArg(patch.restrictions);
          if (old.restrictions !== null && (!hierarchy || !isNarrowerOrEqual(hierarchy, r, old.restrictions))) {
            throw new KeycardError('scope_escalation', 'update may only narrow restrictions');
          }
          next.restrictions = r;
        }
        assertActorMayGrant(opts.actor, next.scopes ?? old.scopes, next.restrictions === undefined ? old.restrictions : next.restrictions, {
          ...old,
          expiresAt: next.expiresAt === undefined ? old.expiresAt : next.expiresAt,
        });
        if (next.rateLimit !== undefined) await assertActorMayLimit(opts.actor, next.rateLimit, old.workspaceId);
        for (const k of Object.keys(next)) changes.push(k);
        if (changes.length === 0) return toRecord(old);
        const r = await call('Token store update', () => store.update(old.id, next, old.version));
        if (r.ok) {
          cache.invalidate(old.hash);
          const record = toRecord(r.token);
          await announce({ type: 'token.updated', tokenId: old.id, label: r.token.label, ownerId: old.ownerId, workspaceId: old.workspaceId, actor: actorOf(opts.actor), changes }, opts.actor);
          emitter.emit('token.updated', { record });
          return record;
        }
        if (r.reason === 'not_found') throw new KeycardError('not_found', `No token with id ${id}`);
        if (attempt >= 3) throw new KeycardError('conflict', `Token ${id} kept changing; update not applied`);
      }
    },

    async invalidateOwner(principalId) {
      args.invalidateOwner(principalId);
      owners?.invalidate(principalId);
      emitter.emit('owner.gone', { principalId, workspaceId: null, status: 'invalidated' });
      await call('Token store announce', () => store.announceOwner(principalId));
    },

    on: (event, listener) => emitter.on(event, listener),

    authenticate: undefined as unknown as Authenticate<S>,

    async close() {
      // Every step is bounded: a dead store must not hang shutdown.
      const step = async (what: string, f: () => unknown) => {
        try {
          await bounded(() => f() as Promise<unknown>, Math.max(timeoutMs, 1000), what);
        } catch (e) {
          onError(e);
        }
      };
      await step('Subscribing', () => subscribed);
      await step('Pending writes', () => Promise.allSettled([...pending]));
      requestErrors.flush();
      await audit.close();
      await step('Unsubscribing', () => unsubscribe?.());
      if (ownStore) await step('Closing the store', () => store.close?.());
      if (options.limiter === undefined) await step('Closing the limiter', () => limiter.close?.());
    },
  };

  (keycard as { authenticate: Authenticate<S> }).authenticate = createAuthenticator<S>({
    options,
    clock,
    limiter,
    defaultRateLimit,
    catalogue,
    format,
    audit,
    onError: onRequestError,
    timeoutMs,
    verify: verifySecret,
  });

  // The leak intake's internal door (src/leaks/port.ts): under a symbol, non-enumerable.
  const leakedEmitted = new Set<string>();
  const leakPort: LeakIntakePort = {
    format,
    async findBySecret(secret) {
      const entry = await lookupStore(secret, hasher.hash(secret)); // the store, not the caches
      return entry ? toRecord(entry.token) : null;
    },
    async revokeLeaked(id, report) {
      const at = clock.now();
      const t = await call('Token store revoke', () => store.revoke(id, at, 'leaked'));
      if (!t) return null;
      cache.invalidate(t.hash);
      const record = toRecord(t);
      // `revoke` never clears: a token revoked before keeps its first revokedAt and reason; the set
      // settles two deliveries of one token racing in this process within the same millisecond.
      const revokedNow = t.revokedAt === at && t.revokedReason === 'leaked' && once(leakedEmitted, t.id);
      if (!revokedNow) return { record, revokedNow };
      const leak = { provider: report.provider, type: report.type, url: report.url, source: report.source };
      const actor: AuditActor = { kind: 'system', id: report.provider };
      await announce({ type: 'token.revoked', tokenId: t.id, label: t.label, ownerId: t.ownerId, workspaceId: t.workspaceId, actor, reason: 'leaked', leak });
      noteRevoked(t.id, record);
      emitter.emit('token.leaked', { record, ...leak });
      return { record, revokedNow };
    },
  };
  Object.defineProperty(keycard, LEAK_INTAKE, { value: leakPort });
  return keycard;
}
