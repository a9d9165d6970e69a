/**
 * The options of `createManagementHandler` (SPEC §11), documented once here and validated once,
 * at construction, by a strict zod schema: an unknown key or a bad value is a
 * `KeycardError('invalid_config')` naming every bad field.
 */
import * as z from '../core/shape.ts';
import { configError, english } from '../core/config.ts';
import { anyOf, integer, is, list, refine, schema, text, type Kind } from '../core/kinds.ts';
import { parseUrl } from '../core/url.ts';
import { KeycardError } from '../core/errors.ts';
import type { Identity } from '../core/identity.ts';
import { logError } from '../core/report.ts';
import type { ScopeCatalogue } from '../core/scopes.ts';
import { managedDeviceOptions, type DeviceRoutesOptions } from '../device/options.ts';

/** A person acting through the integrator's own session. `scopes` bounds what they may grant. */
export interface UserActor {
  readonly kind: 'user';
  /**
   * Your user id; the owner of the tokens this person creates. A non-empty string of at most 256
   * characters with no NUL character or lone surrogate (what every store keeps the same); any
   * other id is answered 500 `internal` and reported through `onError`.
   */
  readonly id: string;
  /** What this person may do now; a token they create is never wider (no escalation, SPEC §3). */
  readonly scopes: readonly string[];
}

/** A keycard token holding `managementScope`, managing its owner's tokens, never wider than itself. */
export interface TokenActor {
  readonly kind: 'token';
  readonly identity: Identity;
}

/** Who calls the management API. */
export type ManagementActor = UserActor | TokenActor;

/** What an actor wants to do. `revokeAll` targets an owner or a workspace, never one token. */
export type ManagementAction = 'read' | 'create' | 'update' | 'revoke' | 'rotate' | 'revokeAll';

/** What an action is done to: the token's kind, owner and workspace (the record when one exists). */
export interface ManagementTarget {
  readonly kind: 'personal' | 'workspace';
  /** For `revokeAll({ workspaceId })`, null (it ends workspace tokens whoever created them). */
  readonly ownerId: string | null;
  readonly workspaceId: string | null;
  /** Set for actions on an existing token; unset for a creation and for the scope a listing asks first. */
  readonly tokenId?: string;
}

/** A filter the activity route passes to an audit store (SPEC §14 `query`). */
export interface ActivityFilter {
  readonly tokenId: string;
  readonly outcome?: 'allowed' | 'denied';
  readonly since?: Date;
  readonly until?: Date;
  readonly cursor?: string | null;
  readonly limit: number;
}

/** The part of an audit store (SPEC §14) the activity route uses. */
export interface ActivitySource {
  query(
    filter: ActivityFilter,
  ):
    | Promise<{ readonly events: readonly unknown[]; readonly nextCursor: string | null }>
    | { readonly events: readonly unknown[]; readonly nextCursor: string | null };
  /** Daily usage per surface (an `AuditStore` has it): fills `lastUsedSurface` in every answer's token views. */
  usage?(
    tokenId: string,
    options: { readonly days: number },
  ): Promise<readonly { readonly surface: 'http' | 'mcp'; readonly lastUsedAt: string | null }[]>;
}

/** Options of `createManagementHandler`. */
export interface ManagementOptions {
  /**
   * Maps the integrator's own session (a cookie, a header) to the person acting, or null when
   * there is none (answered 401 `unauthenticated`). May return a promise; a throw, or no answer
   * within the keycard's `storeTimeoutMs`, is answered 503 `unavailable` and reported through
   * `onError`. Only `{ kind: 'user', id, scopes }` is
   * accepted: ⚠️ `scopes` is what the person may grant, so compute it from their current role.
   */
  readonly authorize: (request: Request) => UserActor | null | Promise<UserActor | null>;
  /**
   * A path prefix every route sits under, e.g. `/api/tokens` (then `GET /api/tokens/tokens`).
   * Starts with `/`, no trailing `/`. The handler matches the request URL's full path, so mount
   * it where the framework passes the unmodified URL (see docs/management.md).
   * @default '' (routes at the root)
   */
  readonly basePath?: string;
  /**
   * A catalogue scope that lets a keycard token call the management API (`Authorization: Bearer`),
   * as actor `{ kind: 'token' }`: it manages its owner's personal tokens (or its workspace's
   * tokens, for a workspace token) and never creates one wider or longer-lived than itself.
   * Bearer requests are exempt from the CSRF check (no ambient credential).
   * @default undefined — bearer tokens are not accepted; only `authorize` decides
   */
  readonly managementScope?: string;
  /**
   * Decides visibility and rights. Anything it refuses answers 404 (no existence oracle). It
   * replaces the default, which is passed as `fallback` so a hook can narrow it:
   * a user manages their own personal tokens; workspace tokens need `canManageWorkspace`; a
   * token actor manages tokens of its own owner and kind (workspace tokens: its workspace).
   * `GET /tokens` asks `read` of the scope it lists first (`target` without `tokenId`: the
   * caller's personal tokens, or a workspace's), then of each row. A throw, or no answer within
   * the keycard's `storeTimeoutMs`, is answered 503 `unavailable`.
   */
  readonly can?: (
    actor: ManagementActor,
    action: ManagementAction,
    target: ManagementTarget,
    fallback: DefaultCan,
  ) => boolean | Promise<boolean>;
  /**
   * Whether a user may see and manage the workspace tokens of `workspaceId`. Bounded like `can`.
   * @default () => false
   */
  readonly canManageWorkspace?: (actor: UserActor, workspaceId: string) => boolean | Promise<boolean>;
  /**
   * Origins (`https://app.example.com`) a session-authorized state-changing request may come
   * from. A request passes with `Origin` in this list or `Sec-Fetch-Site: same-origin`.
   * ⚠️ Behind a proxy that changes the host, list the public origin here.
   * @default [the request's own origin]
   */
  readonly allowedOrigins?: readonly string[];
  /** Largest accepted request body in bytes; larger is 413. @default 16384 */
  readonly maxBodyBytes?: number;
  /** A live token expiring within this many ms has status `expiring`. @default 7 days */
  readonly expiringWithinMs?: number;
  /**
   * The secret that seals `GET /tokens`'s `nextCursor` (AES-GCM): a store's cursor names the last
   * row it read, maybe a token `can` hides from the caller, so it never goes out readable, and a
   * cursor the handler did not seal is refused (a crafted one would probe for hidden rows). At
   * least 32 characters; set the same value on every instance behind one load balancer.
   * ⚠️ Without it each handler seals with a random key of its own: a next page served by another
   * instance, or after a restart, is a 400 and the listing starts again.
   * @default a random key per handler
   */
  readonly cursorSecret?: string;
  /**
   * Where `GET /tokens/:id/activity` reads events (SPEC §14). Without it that route answers 501; a
   * query that fails or does not answer within the keycard's `storeTimeoutMs` answers 503.
   */
  readonly auditStore?: ActivitySource;
  /**
   * Receives unexpected errors (a throwing or hung hook, a failing audit store, a bug), already
   * redacted, and each failure of the device routes' dependencies (their grant store,
   * `authorize`; see `createDeviceRoutes`). Coalesced as the core's reports are: the first of a
   * kind in a second is reported as it is, the rest of that second as one `N more of: …` report
   * when the second ends (or with the next one of that kind, if sooner, or at the keycard's
   * `close()`). A throwing `onError` changes no answer.
   * @default console.error
   */
  readonly onError?: (error: unknown) => void;
  /**
   * The device login routes (SPEC §13: `/device`, `/device/code`, `/device/token`,
   * `/device/approve`, `/device/deny`) under the same `basePath`, built once with this handler's
   * `basePath`, `authorize`, `allowedOrigins` and `onError` plus these options (e.g. `store`, `appName`,
   * `loginUrl`); `false` leaves `/device…` to 404. ⚠️ Several processes need a shared `store`.
   * @default {} — the device routes with their defaults (a memory pending-grant store)
   */
  readonly device?: ManagementDeviceOptions | false;
}

/** The options of `createDeviceRoutes` that the management handler does not already set. */
export type ManagementDeviceOptions = Omit<
  DeviceRoutesOptions,
  'basePath' | 'authorize' | 'allowedOrigins' | 'onError'
>;

/** The default `can`, given to a custom hook so it can narrow it. */
export type DefaultCan = (
  actor: ManagementActor,
  action: ManagementAction,
  target: ManagementTarget,
) => boolean | Promise<boolean>;

/** Options after validation, defaults applied. */
export interface ResolvedOptions extends Required<
  Omit<ManagementOptions, 'managementScope' | 'can' | 'allowedOrigins' | 'auditStore' | 'device' | 'cursorSecret'>
> {
  readonly cursorSecret: string | null;
  readonly device: ManagementDeviceOptions | false;
  readonly managementScope: string | null;
  readonly can: ManagementOptions['can'] | null;
  readonly allowedOrigins: readonly string[] | null;
  readonly auditStore: ActivitySource | null;
}

const fn = (what: string) => is((v) => typeof v === 'function', `must be a function (${what})`);
const opt = (kind: Kind) => z.optional(schema(kind));

const optionsSchema = z.strictObject({
  authorize: schema(fn('request => actor | null')),
  basePath: opt(
    text({
      max: 512,
      pattern: /^(\/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)*$/,
      patternError: "must be '' or a path like /api/tokens (no trailing slash)",
    }),
  ),
  managementScope: opt(text({ min: 1 })),
  can: opt(fn('(actor, action, target, fallback) => boolean')),
  canManageWorkspace: opt(fn('(actor, workspaceId) => boolean')),
  allowedOrigins: opt(
    list(refine(text(), (o: string) => parseUrl(o)?.origin === o, 'must be an origin like https://app.example.com')),
  ),
  maxBodyBytes: opt(integer(256, 10_485_760)),
  expiringWithinMs: opt(integer(0)),
  cursorSecret: opt(text({ min: 32, error: 'must be a string' })),
  auditStore: opt(
    is(
      (v) => typeof v === 'object' && v !== null && typeof (v as { query?: unknown }).query === 'function',
      'must have a query(filter) method',
    ),
  ),
  onError: opt(fn('error => void')),
  device: opt(
    anyOf([
      // `false`, as z.literal(false) answers inside the union.
      is((v) => v === false),
      managedDeviceOptions,
    ]),
  ),
});

/**
 * Validates the options against the instance's catalogue and applies defaults.
 * @throws KeycardError `invalid_config` naming every bad field.
 */
export function resolveOptions(options: unknown, catalogue?: ScopeCatalogue): ResolvedOptions {
  const parsed = optionsSchema.safeParse(options, english);
  if (!parsed.success) throw configError('createManagementHandler', parsed.error);
  const o = options as ManagementOptions;
  if (o.managementScope !== undefined && catalogue?.has(o.managementScope) === false) {
    throw new KeycardError(
      'invalid_config',
      `createManagementHandler: managementScope: "${o.managementScope}" is not in the scope catalogue`,
    );
  }
  return {
    authorize: o.authorize,
    basePath: o.basePath ?? '',
    managementScope: o.managementScope ?? null,
    can: o.can ?? null,
    canManageWorkspace: o.canManageWorkspace ?? (() => false),
    allowedOrigins: o.allowedOrigins ?? null,
    maxBodyBytes: o.maxBodyBytes ?? 16_384,
    expiringWithinMs: o.expiringWithinMs ?? 7 * 86_400_000,
    cursorSecret: o.cursorSecret ?? null,
    auditStore: o.auditStore ?? null,
    device: o.device ?? {},
    onError: o.onError ?? logError('keycard management:'),
  };
}
