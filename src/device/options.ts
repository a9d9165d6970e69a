/**
 * Options of the device routes (SPEC §13), documented once on the type and validated once with
 * zod: an unknown key or a bad value is a `KeycardError('invalid_config')` naming every bad field.
 */
import * as z from '../core/shape.ts';
import { configError, english, url } from '../core/config.ts';
import { anyOf, copy, integer, is, list, oneOf, schema, schemaOf, strict, text } from '../core/kinds.ts';
import type { Actor } from '../keycard.ts';
import type { PendingGrantStore } from './grant-store.ts';

/** Maps the integrator's session to the person approving; `null` when nobody is signed in. */
export type DeviceAuthorize = (request: Request) => Actor | null | Promise<Actor | null>;

/** Options of `createDeviceRoutes`. */
export interface DeviceRoutesOptions {
  /** Where the routes are mounted, e.g. `/api/tokens`: they answer `${basePath}/device…`. */
  readonly basePath: string;
  /**
   * The person behind the request's session (SPEC §11: `{ kind: 'user', id, scopes }`), or null.
   * Only `user` actors may approve: a token cannot approve a login for another program. The
   * approved token is bounded by `scopes` (no escalation). A throw, or no answer within the
   * keycard's `storeTimeoutMs`, is answered 503.
   */
  readonly authorize: DeviceAuthorize;
  /** Where pending grants wait. ⚠️ Several processes need a shared one (Redis, Postgres). @default memoryPendingGrantStore() */
  readonly store?: PendingGrantStore;
  /**
   * Origins allowed to POST approve and deny with a session (CSRF, SPEC §11); a request with
   * `Sec-Fetch-Site: same-origin` passes too. @default the request's own origin
   */
  readonly allowedOrigins?: readonly string[];
  /** Life of a device code and its user code, in seconds (RFC 8628 `expires_in`). @default 600 */
  readonly codeLifetimeSeconds?: number;
  /** Minimum seconds between polls (RFC 8628 `interval`); `slow_down` adds 5. @default 5 */
  readonly interval?: number;
  /** Lifetime of an approved token when the program asks for none: a preset, or ms up to 9,999,999,999 s. @default '90d' */
  readonly defaultTokenLifetime?: 'never' | '30d' | '90d' | '365d' | number;
  /** Wrong user codes a session may enter per `entryWindowSeconds` before it is refused. @default 5 */
  readonly maxEntryAttempts?: number;
  /** The window of `maxEntryAttempts`, in seconds. @default 900 */
  readonly entryWindowSeconds?: number;
  /**
   * The key wrong entries are counted under. May return a promise, bounded like `authorize` by
   * the keycard's `storeTimeoutMs` (a throw or no answer in time is answered 503).
   * @default the actor's id
   */
  readonly sessionKey?: (request: Request, actor: Actor) => string | Promise<string>;
  /** The page a person opens, as printed by the CLI. @default `${origin}${basePath}/device` */
  readonly verificationUri?: string;
  /** Where a person who is not signed in is sent, with `next=<the page>` added to its query. @default a 401 page saying to sign in */
  readonly loginUrl?: string;
  /** Your product's name on the approval page. @default 'this app' */
  readonly appName?: string;
  /** CSS appended to the page's own, e.g. `:root { --keycard-accent: #6d28d9 }`. @default none */
  readonly css?: string;
  /**
   * Receives each failure of a dependency once — the grant store or the token store failing or
   * not answering within the keycard's `storeTimeoutMs`, `authorize` or `sessionKey` throwing or
   * not answering within it;
   * answered 503 — as a `KeycardError('unavailable')` whose message and cause are redacted
   * (never a device code or its hash), and any other error (a bug; answered 500) as thrown.
   * Coalesced as the core's reports are: the first of a kind (code and message) in a second is
   * reported as it is, the rest of that second as one `N more of: …` report when the second ends
   * (or with the next one of that kind, if sooner, or at the keycard's `close()`). A throwing `onError` changes no answer. Under `createManagementHandler` the
   * handler's own `onError` is used.
   * @default console.error (redacted)
   */
  readonly onError?: (error: unknown) => void;
}

const isFunction = (v: unknown) => typeof v === 'function';
/** The fields of `DeviceRoutesOptions`, in the order their issues are reported. */
const fields = {
  basePath: text({
    pattern: /^(\/[A-Za-z0-9._~-]+)*$/,
    patternError: 'must be a path like /api/tokens (or empty), without a trailing slash',
  }),
  authorize: is(isFunction, 'must be a function (request) => Actor | null'),
  store: is(
    (v) => typeof v === 'object' && v !== null && typeof (v as PendingGrantStore).take === 'function',
    'must be a PendingGrantStore',
  ),
  allowedOrigins: list(url()),
  codeLifetimeSeconds: integer(60, 3600),
  interval: integer(1, 60),
  defaultTokenLifetime: anyOf([
    oneOf(['never', '30d', '90d', '365d']),
    integer(0, 9_999_999_999_000, undefined, { above: true }),
  ]),
  maxEntryAttempts: integer(1, 1000),
  entryWindowSeconds: integer(1, 86_400),
  sessionKey: is(isFunction, 'must be a function'),
  verificationUri: url(),
  loginUrl: text({ min: 1 }),
  appName: text({ min: 1, max: 100 }),
  css: text({ max: 20_000 }),
  onError: is(isFunction, 'must be a function'),
};
type Field = keyof typeof fields;
const REQUIRED: readonly Field[] = ['basePath', 'authorize'];

/** The zod schema of `DeviceRoutesOptions`: a fresh object of the fields given, `allowedOrigins` a fresh array. */
const deviceOptionsSchema = z.strictObject(
  Object.fromEntries(
    Object.entries(fields).map(([key, kind]) => {
      const field = key === 'allowedOrigins' ? schemaOf(kind, copy) : schema(kind);
      return [key, REQUIRED.includes(key as Field) ? field : z.optional(field)];
    }),
  ),
);

/**
 * The management handler's `device` option: the device routes' options but the four it gives
 * them itself (`basePath`, `authorize`, `allowedOrigins`, `onError`), all optional.
 */
export const managedDeviceOptions = strict(
  Object.fromEntries(
    Object.entries(fields).filter(([key]) => !['basePath', 'authorize', 'allowedOrigins', 'onError'].includes(key)),
  ),
  Object.keys(fields),
);

/** Validates once; the message names every bad field. */
export function parseDeviceOptions(options: unknown): DeviceRoutesOptions {
  const parsed = deviceOptionsSchema.safeParse(options, english);
  if (parsed.success) return parsed.data as unknown as DeviceRoutesOptions;
  throw configError('createDeviceRoutes', parsed.error);
}
