/**
 * What every device route shares: the resolved options, the keycard instance, the store and
 * small response helpers. Built once by `createDeviceRoutes`.
 */
import { requestIdFrom } from '../core/audit.ts';
import { readBody } from '../core/body.ts';
import { storeTimeoutOf } from '../core/bounded.ts';
import { presetMs } from '../core/options.ts';
import { defineHierarchy, type Hierarchy } from '../core/hierarchy.ts';
import type { Actor, Keycard } from '../keycard.ts';
import { EntryLimit } from './entry-limit.ts';
import { memoryPendingGrantStore, type PendingGrantStore } from './grant-store.ts';
import { guardedStore, reporter } from './guard.ts';
import { parseDeviceOptions, type DeviceRoutesOptions } from './options.ts';
import { DEVICE_ISSUE, type DeviceIssue } from './port.ts';
import { checkKeycard } from '../core/arguments-check.ts';
import { sessionChallenge } from '../manage/challenge.ts';
import { jsonAnswer } from '../core/answer.ts';

/**
 * Whether `actor` may create a personal token (the management handler's `can`): bounded by the
 * keycard's `storeTimeoutMs`, and when it fails (throws, rejects, hangs) it reports that to the
 * handler's `onError` itself, as under `POST /tokens`, then rejects: the routes answer 503 and
 * report nothing more.
 */
export type MayCreate = (actor: Extract<Actor, { kind: 'user' }>) => Promise<boolean>;

/** The resolved routes context. */
export interface DeviceContext {
  /** Asked before an approval is written; absent: `authorize` alone decides (routes.ts). */
  readonly mayCreate?: MayCreate | undefined;
  readonly keycard: Keycard;
  /** `keycard.issue` as of an instant: the approval (port.ts). */
  readonly issueAsOf: DeviceIssue;
  readonly options: DeviceRoutesOptions;
  /**
   * The grant store, guarded: every failure, and every call unanswered after the keycard's
   * `storeTimeoutMs`, is a `KeycardError('unavailable')` (guard.ts).
   */
  readonly store: PendingGrantStore;
  /** The same store unguarded: only for a write watched past its deadline (late-answer.ts). */
  readonly unguardedStore: PendingGrantStore;
  /** The keycard's `storeTimeoutMs`: the deadline of the `authorize` and `sessionKey` hooks too. */
  readonly timeoutMs: number;
  /** `options.onError` (or the default), never throwing, coalesced per kind per second (guard.ts). */
  readonly report: (error: unknown) => void;
  readonly base: string;
  readonly codeLifetimeMs: number;
  readonly interval: number;
  /** The token lifetime a program gets when it asks for none; null = never. */
  readonly defaultTokenLifetimeMs: number | null;
  readonly entries: EntryLimit;
  readonly appName: string;
  /** The instance's resource types, to check a program's `restrictions`; null when it declares none. */
  readonly hierarchy: Hierarchy | null;
  /**
   * `WWW-Authenticate` of the page's 401 (RFC 9110 §15.5.2): the session's challenge alone, as
   * only a signed-in person approves (src/manage/challenge.ts).
   */
  readonly challenge: string;
}

/** Every default, once. */
export function deviceContext(keycard: Keycard, given: DeviceRoutesOptions, mayCreate?: MayCreate): DeviceContext {
  const issueAsOf = (keycard as unknown as { [DEVICE_ISSUE]?: DeviceIssue } | null)?.[DEVICE_ISSUE];
  checkKeycard(keycard, 'createDeviceRoutes', '', !!issueAsOf, given, () => parseDeviceOptions(given));
  const options = parseDeviceOptions(given);
  const lifetime = options.defaultTokenLifetime ?? '90d';
  const timeoutMs = storeTimeoutOf(keycard);
  const store = options.store ?? memoryPendingGrantStore();
  return {
    keycard,
    mayCreate,
    issueAsOf: issueAsOf!,
    options,
    store: guardedStore(store, timeoutMs),
    unguardedStore: store,
    timeoutMs,
    report: reporter(options.onError, keycard),
    base: options.basePath,
    codeLifetimeMs: (options.codeLifetimeSeconds ?? 600) * 1000,
    interval: options.interval ?? 5,
    defaultTokenLifetimeMs: lifetimeMs(lifetime),
    entries: new EntryLimit(options.maxEntryAttempts ?? 5, (options.entryWindowSeconds ?? 900) * 1000),
    appName: options.appName ?? 'this app',
    hierarchy: keycard.resourceTypes.length > 0 ? defineHierarchy(keycard.resourceTypes) : null,
    challenge: sessionChallenge(keycard, false),
  };
}

/** `'90d'` → ms; `'never'` → null; a number is ms already (the keycard's own `presetMs`). */
export const lifetimeMs = presetMs;

const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

/** A JSON answer that no cache keeps (RFC 8628 §3.2, RFC 6749 §5.1). */
export const json = (status: number, body: unknown, headers?: Record<string, string>): Response =>
  jsonAnswer(body, status, { Pragma: 'no-cache', ...headers });

/** Any character RFC 6749 §5.2 keeps out of `error_description`: outside %x20-21 / %x23-5B / %x5D-7E. */
const NOT_DESCRIPTION = /[^\x20\x21\x23-\x5b\x5d-\x7e]/g;

/**
 * `text` as an `error_description` may carry it (RFC 6749 §5.2: "MUST NOT include characters
 * outside the set %x20-21 / %x23-5B / %x5D-7E"): `"` becomes `'`, `…` becomes `...`, and any
 * other character outside the set (`\`, controls, non-ASCII: what a program sent, quoted back)
 * becomes `?`.
 */
export const descriptionText = (text: string): string =>
  text.replace(NOT_DESCRIPTION, (c) => (c === '"' ? "'" : c === '\u2026' ? '...' : '?'));

/** An RFC 6749 §5.2 / RFC 8628 §3.5 error; the description is kept within §5.2's characters. */
export const oauthError = (error: string, description: string, extra: Record<string, unknown> = {}): Response =>
  json(400, { error, error_description: descriptionText(description), ...extra });

/**
 * An HTML answer: never cached, never framed (an approval page in a hidden frame would be
 * clickjacking), no referrer (the URL may hold the user code).
 */
export const html = (status: number, body: string, headers: Record<string, string> = {}): Response =>
  new Response(body, {
    status,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      ...NO_STORE,
      'X-Frame-Options': 'DENY',
      'Content-Security-Policy':
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      'Referrer-Policy': 'no-referrer',
      ...headers,
    },
  });

/** The largest form body the device routes read, in bytes. */
export const MAX_FORM_BYTES = 16_384;

/** Why a form body was not read: `detail` is what the answer says. */
export interface FormRefusal {
  readonly reason: 'not_form' | 'too_large';
  readonly detail: string;
}

/**
 * Reads an `application/x-www-form-urlencoded` body of at most {@link MAX_FORM_BYTES}. Two of
 * these routes need no credentials, so the cap holds while reading: an announced length over it
 * is refused unread, and a stream is cancelled at the first chunk past it.
 */
export async function formBody(request: Request): Promise<URLSearchParams | FormRefusal> {
  // RFC 9110 §8.3.1: the media type is `type/subtype` (case-insensitive), then only `;` parameters.
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/x-www-form-urlencoded[ \t]*(;|$)/i.test(type.trim()))
    return { reason: 'not_form', detail: 'Send application/x-www-form-urlencoded parameters' };
  const read = await readBody(request, MAX_FORM_BYTES);
  if (read.bytes === null && read.reason === 'unreadable')
    return { reason: 'not_form', detail: 'The body could not be read' };
  if (read.bytes === null) return { reason: 'too_large', detail: `The body exceeds ${MAX_FORM_BYTES} bytes` };
  return new URLSearchParams(new TextDecoder().decode(read.bytes));
}

/**
 * The names of `names` that `form` sends more than once (RFC 6749 §3.1, §3.2: request parameters
 * MUST NOT be included more than once). Reading the first of two values would let the program, or
 * the page, and whatever sits between disagree on what was asked; every device route refuses them.
 */
export const sentTwice = (form: URLSearchParams, names: readonly string[]): string[] =>
  names.filter((n) => form.getAll(n).length > 1);

/**
 * The request id of a device route's audit events (SPEC §11: management calls are audited with
 * the request id; §7: `X-Request-Id` when it has the allowed shape, else generated).
 */
export const requestIdOf = (request: Request): string => requestIdFrom(request.headers.get('x-request-id'));
