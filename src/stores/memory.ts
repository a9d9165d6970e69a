/**
 * The embedded default token store: records in a Map, synchronous answers, changes delivered to
 * subscribers in the same tick. It is the reference implementation of the `TokenStore` port and
 * passes the same conformance suite as Postgres and Redis.
 *
 * ⚠️ Records live in process memory: a restart forgets every token, and several processes each
 * get their own store. Use it for tests, examples and single-process tools.
 */
import { KeycardError } from '../core/errors.ts';
import { deepFreeze } from '../core/records.ts';
import {
  countedByRevokeAll,
  coveredByRevokeAll,
  filterKey,
  PATCHABLE_FIELDS,
  watermarkKey,
  WATERMARK_REASON,
} from '../core/store.ts';
import type {
  ListQuery,
  RevokeAllFilter,
  RevokeAllIfCountResult,
  RevokeAnswer,
  StoreChange,
  StoredToken,
  TokenPatch,
  TokenStore,
  UpdateResult,
} from '../core/store.ts';
import { isArray, stringify } from '../core/builtins.ts';

/** The in-memory store, with a `size` for tests. */
export interface MemoryTokenStore extends TokenStore {
  /** Number of records held. */
  readonly size: number;
}

const order = (a: StoredToken, b: StoredToken) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Cursor: the (createdAt, id) of the last record of a page, so inserts never shift a page. */
function encodeCursor(t: StoredToken): string {
  return btoa(stringify([t.createdAt, t.id]));
}
function decodeCursor(cursor: string): [number, string] {
  try {
    const v: unknown = JSON.parse(atob(cursor));
    if (isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'string') return [v[0], v[1]];
  } catch {
    // fall through
  }
  throw new KeycardError('invalid_argument', 'cursor is not one this store issued');
}

/** Whether a record matches a list status at `now`. */
export function matchesStatus(t: StoredToken, status: ListQuery['status'], now: number): boolean {
  switch (status ?? 'all') {
    case 'active':
      return t.revokedAt === null && (t.expiresAt === null || now < t.expiresAt);
    case 'revoked':
      return t.revokedAt !== null;
    case 'expired':
      return t.revokedAt === null && t.expiresAt !== null && now >= t.expiresAt;
    default:
      return true;
  }
}

/** What a memory store holds; the module functions below read and write it. */
interface MemoryState {
  readonly byId: Map<string, StoredToken>;
  readonly idByHash: Map<string, string>;
  readonly listeners: Set<(change: StoreChange) => void>;
  /** revokeAll watermarks by `watermarkKey`: a later create of a token they cover is stored revoked. */
  readonly watermarks: Map<string, number>;
  seq: number;
  /** Every record in (createdAt, id) order, rebuilt by the next `list` after a write clears it. */
  sorted: StoredToken[] | null;
}

function announce(state: MemoryState, change: StoreChange): void {
  for (const l of state.listeners) {
    try {
      l(change);
    } catch {
      // A subscriber's bug must not fail the write that already happened.
    }
  }
}

/** Stores a new version of an existing record and tells subscribers. */
function put(state: MemoryState, t: StoredToken): void {
  state.byId.set(t.id, deepFreeze(t));
  state.sorted = null;
  announce(state, {
    type: 'token',
    seq: ++state.seq,
    id: t.id,
    hash: t.hash,
    version: t.version,
    revoked: t.revokedAt !== null,
  });
}

/** Stores a copy of a new record, revoked at once if a revokeAll watermark covers it. */
function createRecord(state: MemoryState, token: StoredToken): void {
  const { byId, idByHash, watermarks } = state;
  if (byId.has(token.id)) throw new KeycardError('conflict', `Token id ${token.id} already exists`);
  if (idByHash.has(token.hash)) throw new KeycardError('conflict', 'Token hash already exists');
  const key = watermarkKey(token);
  const before = key === null ? undefined : watermarks.get(key);
  const covered = token.revokedAt === null && before !== undefined && before > token.createdAt;
  const copy = deepFreeze(
    covered
      ? { ...structuredClone(token), revokedAt: before, revokedReason: WATERMARK_REASON }
      : structuredClone(token),
  );
  byId.set(copy.id, copy);
  idByHash.set(copy.hash, copy.id);
  state.sorted = null;
}

/** One page of `list`: the matches after the cursor in (createdAt, id) order, and the next cursor. */
function listPage(state: MemoryState, query: ListQuery): { tokens: StoredToken[]; nextCursor: string | null } {
  const sorted = (state.sorted ??= [...state.byId.values()].sort(order));
  let start = 0;
  if (query.cursor) {
    const [at, id] = decodeCursor(query.cursor);
    // First record strictly after the cursor in (createdAt, id) order.
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = sorted[mid]!;
      if (m.createdAt < at || (m.createdAt === at && m.id <= id)) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  const matches = (t: StoredToken) =>
    (query.ownerId === undefined || t.ownerId === query.ownerId) &&
    (query.workspaceId === undefined || t.workspaceId === query.workspaceId) &&
    (query.kind === undefined || t.kind === query.kind) &&
    matchesStatus(t, query.status, query.now);
  const tokens: StoredToken[] = [];
  let i = start;
  for (; i < sorted.length && tokens.length < query.limit; i++) if (matches(sorted[i]!)) tokens.push(sorted[i]!);
  // A cursor only when another match follows, so the last page says so.
  let more = false;
  for (; tokens.length === query.limit && i < sorted.length && !more; i++) more = matches(sorted[i]!);
  return { tokens, nextCursor: more && tokens.length > 0 ? encodeCursor(tokens.at(-1)!) : null };
}

/**
 * Revokes every unrevoked record the filter covers (expired ones too) and leaves a watermark for
 * records created later; counts those that were live at `at`.
 */
function revokeAllRecords(
  state: MemoryState,
  filter: RevokeAllFilter,
  at: number,
  reason: string | null,
): { count: number } {
  const { byId, watermarks } = state;
  const key = filterKey(filter);
  watermarks.set(key, Math.max(at, watermarks.get(key) ?? at));
  let count = 0;
  for (const t of byId.values()) {
    if (t.revokedAt !== null) continue;
    if (!coveredByRevokeAll(filter, t)) continue;
    if (countedByRevokeAll(t, at)) count++;
    byId.set(t.id, deepFreeze({ ...t, revokedAt: at, revokedReason: reason, version: t.version + 1 }));
  }
  state.sorted = null;
  announce(state, { type: 'revokeAll', seq: ++state.seq, filter, revokedBefore: at });
  return { count };
}

/** The records `revokeAll(filter, at)` would count: matching and live at `at`. */
function countRevocable(state: MemoryState, filter: RevokeAllFilter, at: number): number {
  let count = 0;
  for (const t of state.byId.values()) if (countedByRevokeAll(t, at) && coveredByRevokeAll(filter, t)) count++;
  return count;
}

/** Adds a listener; the returned function removes it. */
function subscribeTo(state: MemoryState, listener: (change: StoreChange) => void): () => void {
  state.listeners.add(listener);
  return () => {
    state.listeners.delete(listener);
  };
}

/**
 * Creates an empty in-memory token store.
 *
 * @example Sharing one store between two keycard instances in a test
 * ```ts
 * const store = memoryTokenStore();
 * const a = createKeycard({ prefix: 'acme', scopes, store });
 * const b = createKeycard({ prefix: 'acme', scopes, store }); // sees a's revocations at once
 * ```
 */
export function memoryTokenStore(): MemoryTokenStore {
  const state: MemoryState = {
    byId: new Map(),
    idByHash: new Map(),
    listeners: new Set(),
    watermarks: new Map(),
    seq: 0,
    sorted: null,
  };
  const { byId, idByHash } = state;

  return {
    shared: false,
    get size() {
      return byId.size;
    },
    create(token) {
      createRecord(state, token);
    },
    findByHash(hash) {
      const id = idByHash.get(hash);
      return id === undefined ? null : (byId.get(id) ?? null);
    },
    findByAnyHash(hashes) {
      for (const hash of hashes) {
        const id = idByHash.get(hash);
        if (id !== undefined) return byId.get(id) ?? null;
      }
      return null;
    },
    get(id) {
      return byId.get(id) ?? null;
    },
    list(query: ListQuery) {
      return listPage(state, query);
    },
    update(id, patch: TokenPatch, expectedVersion): UpdateResult {
      const t = byId.get(id);
      if (!t) return { ok: false, reason: 'not_found' };
      if (t.version !== expectedVersion) return { ok: false, reason: 'conflict' };
      // Only the patchable fields, so an untyped caller cannot un-revoke or re-hash through update.
      const defined = Object.fromEntries(
        PATCHABLE_FIELDS.filter((k) => patch[k] !== undefined).map((k) => [k, patch[k]]),
      );
      const next: StoredToken = { ...t, ...structuredClone(defined), version: t.version + 1 };
      put(state, next);
      return { ok: true, token: next };
    },
    revoke(id, at, reason): RevokeAnswer | null {
      const t = byId.get(id);
      if (!t) return null;
      if (t.revokedAt !== null) return { ...t, revokedNow: false };
      const next: StoredToken = { ...t, revokedAt: at, revokedReason: reason, version: t.version + 1 };
      put(state, next);
      return { ...next, revokedNow: true };
    },
    revokeAll(filter: RevokeAllFilter, at, reason) {
      return revokeAllRecords(state, filter, at, reason);
    },
    revokeAllIfCount(filter: RevokeAllFilter, at, reason, expectCount): RevokeAllIfCountResult {
      // Synchronous: nothing can run between the count and the revocation.
      const count = countRevocable(state, filter, at);
      if (count !== expectCount) return { ok: false, reason: 'count_changed', count };
      return { ok: true, count: revokeAllRecords(state, filter, at, reason).count };
    },
    touch(id, at) {
      const t = byId.get(id);
      if (t && (t.lastUsedAt === null || t.lastUsedAt < at)) {
        byId.set(id, deepFreeze({ ...t, lastUsedAt: at }));
        state.sorted = null;
      }
    },
    rehash(id, fromHash, toHash, pepperVersion) {
      const t = byId.get(id);
      if (!t || t.hash !== fromHash || idByHash.has(toHash)) return;
      idByHash.delete(fromHash);
      idByHash.set(toHash, id);
      byId.set(id, deepFreeze({ ...t, hash: toHash, pepperVersion }));
      state.sorted = null;
    },
    announceOwner(principalId) {
      announce(state, { type: 'owner', seq: ++state.seq, principalId });
    },
    subscribe(listener) {
      return subscribeTo(state, listener);
    },
    close() {
      state.listeners.clear();
    },
  };
}
