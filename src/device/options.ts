/**
 * Options of the device routes (SPEC §13), documented once on the type and validated once with
 * zod: an unknown key or a bad value is a `KeycardError('invalid_config')` naming every bad field.
 */
import * as z from 'zod/mini';
import { configError, english, urlText } from '../core/config.ts';
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
  /** Lifetime of an approved token when the program asks for none, in ms or a preset. @default '90d' */
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

const seconds = (min: number, max: number) => z.number().check(z.int(), z.minimum(min), z.maximum(max));
/** The zod schema of `DeviceRoutesOptions` (the management handler's `device` option reuses it). */
export const deviceOptionsSchema = z.strictObject({
  basePath: z
    .string()
    .check(z.regex(/^(\/[A-Za-z0-9._~-]+)*$/, 'must be a path like /api/tokens (or empty), without a trailing slash')),
  authorize: z.custom<DeviceAuthorize>((v) => typeof v === 'function', 'must be a function (request) => Actor | null'),
  store: z.optional(
    z.custom<PendingGrantStore>(
      (v) => typeof v === 'object' && v !== null && typeof (v as PendingGrantStore).take === 'function',
      'must be a PendingGrantStore',
    ),
  ),
  allowedOrigins: z.optional(z.array(urlText())),
  codeLifetimeSeconds: z.optional(seconds(60, 3600)),
  interval: z.optional(seconds(1, 60)),
  defaultTokenLifetime: z.optional(
    z.union([z.enum(['never', '30d', '90d', '365d']), z.number().check(z.int(), z.positive())]),
  ),
  maxEntryAttempts: z.optional(seconds(1, 1000)),
  entryWindowSeconds: z.optional(seconds(1, 86_400)),
  sessionKey: z.optional(
    z.custom<NonNullable<DeviceRoutesOptions['sessionKey']>>((v) => typeof v === 'function', 'must be a function'),
  ),
  verificationUri: z.optional(urlText()),
  loginUrl: z.optional(z.string().check(z.minLength(1))),
  appName: z.optional(z.string().check(z.minLength(1), z.maxLength(100))),
  css: z.optional(z.string().check(z.maxLength(20_000))),
  onError: z.optional(z.custom<(error: unknown) => void>((v) => typeof v === 'function', 'must be a function')),
});

/** Validates once; the message names every bad field. */
export function parseDeviceOptions(options: unknown): DeviceRoutesOptions {
  const parsed = deviceOptionsSchema.safeParse(options, english);
  if (parsed.success) return parsed.data as DeviceRoutesOptions;
  throw configError('createDeviceRoutes', parsed.error);
}
