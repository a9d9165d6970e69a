/**
 * The identity a verified request carries into handlers: who the token is, what it may do now,
 * and the resource-restriction helpers. It holds no secret and no hash, so logging it is safe.
 */
import { invalidConfig, KeycardError, misused } from './errors.ts';
import { deepFreeze } from './records.ts';
import {
  checkResource,
  describeDenial,
  filterResources,
  type Access,
  type Hierarchy,
  type ResourcePath,
  type Restrictions,
} from './restrictions.ts';
import { unreadableResource } from './restrictions-paths.ts';
import type { JsonValue, RateLimitSetting, TokenRecord } from './store.ts';
import { freeze } from './builtins.ts';

/**
 * A read-only view of a set: no `add`, `delete` or `clear` to call, so a handler cannot widen the
 * scopes of the cached identity the next request receives. Wrapping costs one object per identity,
 * built once per cached record, not per request.
 */
class FrozenSet<T> implements ReadonlySet<T> {
  readonly #set: ReadonlySet<T>;
  constructor(set: ReadonlySet<T>) {
    this.#set = set;
    freeze(this);
  }
  get size(): number {
    return this.#set.size;
  }
  has(value: T): boolean {
    return this.#set.has(value);
  }
  forEach(callback: (value: T, key: T, set: ReadonlySet<T>) => void, thisArg?: unknown): void {
    this.#set.forEach((v) => callback.call(thisArg, v, v, this));
  }
  entries(): SetIterator<[T, T]> {
    return this.#set.entries();
  }
  keys(): SetIterator<T> {
    return this.#set.keys();
  }
  values(): SetIterator<T> {
    return this.#set.values();
  }
  [Symbol.iterator](): SetIterator<T> {
    return this.#set.values();
  }
  get [Symbol.toStringTag](): string {
    return 'FrozenSet';
  }
}

/**
 * A verified token, as handlers see it. Immutable, deeply: the same instance is handed to every
 * request that presents the token while its record is cached.
 *
 * @example Stamping a write with its author, Toado-style
 * ```ts
 * row.author = `${identity.ownerId} (${identity.label}) · via API`;
 * ```
 */
export class Identity<S extends string = string> {
  /** Public token id: put it on every row the token writes. */
  readonly tokenId: string;
  readonly label: string;
  readonly ownerId: string;
  /** `oauth` for an OAuth access token verified through `options.oauth` (dual mode, SPEC §16). */
  readonly kind: 'personal' | 'workspace' | 'oauth';
  readonly workspaceId: string | null;
  /** Effective scopes: closure of the grant, bounded by the owner when a resolver is set. Read-only (no `add`). */
  readonly scopes: ReadonlySet<S>;
  /** Scopes as granted on the record. */
  readonly grantedScopes: readonly string[];
  readonly restrictions: Restrictions | null;
  /** Epoch ms, or null for a token that never expires. */
  readonly expiresAt: number | null;
  readonly createdAt: number;
  readonly metadata: Readonly<Record<string, JsonValue>>;
  /**
   * Id shared by a token and its rotations (one rate-limit budget); for an OAuth token,
   * `oauth:<iss>:<sub>`, shared by every client of that subject.
   */
  readonly familyId: string;
  /** The token's own rate limit, or null when the workspace's or the default applies. Bounds the limits it may grant. */
  readonly rateLimit: RateLimitSetting | null;
  readonly #hierarchy: Hierarchy | null;

  /** @throws KeycardError `invalid_argument` naming each argument of the wrong kind (from untyped code). */
  constructor(record: TokenRecord, scopes: ReadonlySet<S>, hierarchy: Hierarchy | null, kind?: 'oauth') {
    misused('Identity', {
      record: typeof record?.id != 'string',
      scopes: typeof scopes?.has != 'function',
      hierarchy: hierarchy != null && typeof hierarchy != 'object',
      kind: kind !== undefined && kind !== 'oauth',
    });
    this.tokenId = record.id;
    this.label = record.label;
    this.ownerId = record.ownerId;
    this.kind = kind ?? record.kind;
    this.workspaceId = record.workspaceId;
    this.scopes = scopes instanceof FrozenSet ? scopes : new FrozenSet(scopes);
    this.grantedScopes = deepFreeze(record.scopes);
    this.restrictions = deepFreeze(record.restrictions);
    this.expiresAt = record.expiresAt;
    this.createdAt = record.createdAt;
    this.metadata = deepFreeze(record.metadata);
    this.familyId = record.familyId;
    this.rateLimit = deepFreeze(record.rateLimit ?? null);
    this.#hierarchy = hierarchy;
    freeze(this);
  }

  /** True when the effective scopes include `scope`. */
  has(scope: S): boolean {
    return this.scopes.has(scope);
  }

  #h(): Hierarchy {
    if (!this.#hierarchy) throw invalidConfig('Resource checks need `resources` (the hierarchy) on createKeycard');
    return this.#hierarchy;
  }

  /**
   * True when the token's restrictions allow `access` to the resource at `path` (SPEC §4). The
   * path and access are read for every token, restricted or not, so a misspelt type fails at once.
   * @throws KeycardError `invalid_argument` for a path or access the hierarchy cannot read
   */
  can(path: ResourcePath, access: Access): boolean {
    return checkResource(this.#h(), this.restrictions, path, access).ok;
  }

  /**
   * Throws `KeycardError('forbidden_resource')` (answered as 403, detail `Token not allowed for
   * project p9`) unless the restrictions allow `access` to `path`. A path the hierarchy cannot
   * read (`{ company: undefined }` from a missing parameter) throws `invalid_argument` naming the
   * problem, carrying the path's last entry as `resource`: the adapters answer it as the guard's
   * own check of such a path, a 403 reported to `onError`, never a 500.
   */
  assert(path: ResourcePath, access: Access): void {
    const h = this.#h();
    let r: ReturnType<typeof checkResource>;
    try {
      r = checkResource(h, this.restrictions, path, access);
    } catch (e) {
      if (!(e instanceof KeycardError) || e.code !== 'invalid_argument') throw e;
      throw new KeycardError('invalid_argument', e.message, { resource: unreadableResource(path) });
    }
    if (!r.ok)
      throw new KeycardError('forbidden_resource', describeDenial(r), { resource: { type: r.type, id: r.id } });
  }

  /** The rows the token may read: "listing returns only matching rows". Every row's path is read, as `can` reads it. */
  filter<T>(rows: Iterable<T>, pathOf: (row: T) => ResourcePath): T[] {
    return filterResources(this.#h(), this.restrictions, rows, pathOf);
  }

  /** A plain, serialisable view (scopes as an array). */
  toJSON(): Record<string, unknown> {
    return {
      tokenId: this.tokenId,
      label: this.label,
      ownerId: this.ownerId,
      kind: this.kind,
      workspaceId: this.workspaceId,
      scopes: [...this.scopes],
      grantedScopes: this.grantedScopes,
      restrictions: this.restrictions,
      expiresAt: this.expiresAt,
      createdAt: this.createdAt,
      metadata: this.metadata,
      familyId: this.familyId,
    };
  }
}
