/**
 * The fields of audit events: request ids, the loggable path, the caps on client-controlled
 * strings, and the builders that turn an input into a redacted event.
 */
import type {
  AuditActor,
  RequestAuditEvent,
  RequestAuditInput,
  Surface,
  TokenAuditEvent,
  TokenAuditInput,
} from './audit.ts';
import { excerpt, redact, SECRET_RUN } from './redact.ts';
import { freeze, stringify } from './builtins.ts';

/** SPEC §7: safe to echo in a response header and to log, short enough to index. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The request id to use for a request: the client's `X-Request-Id` when it matches
 * `[A-Za-z0-9._:-]{1,128}`, else a generated one (a per-process random UUID and a counter).
 *
 * The pattern keeps header injection (`\r\n`), log forging and oversize values out of events
 * and responses. A value that is shaped like a token is replaced too, although the pattern
 * admits it: the id is echoed in the response and written to every sink, and a client that
 * pasted its secret into the wrong header must not find it in the audit log. So is one holding a
 * token's secret part without its prefix (a run of 32+ base62 characters with both letter cases,
 * or of 64+ hex digits holding a digit).
 *
 * @example Reading the header in a fetch-style handler
 * ```ts
 * requestIdFrom('req-42');          // 'req-42'
 * requestIdFrom('a\r\nSet-Cookie'); // a generated UUID
 * requestIdFrom(null);              // a generated UUID
 * ```
 */
export function requestIdFrom(header: string | null | undefined): string {
  if (typeof header === 'string' && REQUEST_ID.test(header) && redact(header) === header && !SECRET_RUN.test(header))
    return header;
  // Unique per process run and cheap: a random prefix drawn once, then a counter. A UUID per
  // request cost ~3 % of the pipeline in bench/, and the id needs uniqueness, not secrecy.
  return `${(idPrefix ??= crypto.randomUUID())}-${(++idCounter).toString(36)}`;
}

// Drawn on first use, never at import: workerd refuses randomness at module scope (Workers).
let idPrefix: string | undefined;
let idCounter = 0;

/** An event under construction. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Discards a value (a sink's resolved write). */
export function noop(): void {}

/** Whether a sink's answer is a promise (or any thenable) to await. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** An error's message as it may be reported: masked, then cut. */
export function messageOf(error: unknown): string {
  // Masked before it is cut: a cut could leave a piece of a token too short to recognise.
  return excerpt(error instanceof Error ? error.message : String(error), 500);
}

/**
 * Client-controlled strings (methods, tool names, ids) are capped so one request cannot bloat every
 * sink; audit stores cut id fields to the same bound (its index entry fits a Postgres B-tree).
 */
export const AUDIT_MAX_ID = 512;
/** The request path's cap (characters, then `…`): longer than the other fields, still bounded. */
export const MAX_AUDIT_PATH = 1024;
/** `v` cut to {@link AUDIT_MAX_ID} characters and `…`. */
export const cap = (v: string): string => (v.length > AUDIT_MAX_ID ? `${v.slice(0, AUDIT_MAX_ID)}…` : v);
const text = (value: unknown): string => cap(redact(String(value)));
const textOrNull = (value: unknown): string | null =>
  value === null || value === undefined ? null : cap(redact(String(value)));
/** A string field as every event carries it (redacted, capped; null stays null): for fields built ahead of the event. */
export const auditText = textOrNull;
/** {@link auditText} of a value that is never null. */
export const auditString = text;
const texts = (values: readonly unknown[]): readonly string[] => freeze(Array.from(values, text));
const timeOf = (time: string | undefined, now: number): string => (time === undefined ? isoTime(now) : text(time));

/** `toISOString()` costs more than the rest of an event; within one second only the ms change. */
let isoSecond = Number.NaN;
let isoPrefix = '';
/** The event `time` of an epoch-ms instant: ISO 8601 in UTC, as `new Date(now).toISOString()`. */
export function isoTime(now: number): string {
  const ms = Math.trunc(now); // as Date does
  const second = Math.floor(ms / 1000);
  if (second !== isoSecond) {
    isoPrefix = new Date(second * 1000).toISOString().slice(0, -4); // '2025-01-01T00:00:00.'
    isoSecond = second;
  }
  const frac = ms - second * 1000;
  return `${isoPrefix}${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}Z`;
}

/** Leading `scheme://authority` of an absolute URL; the authority may hold `user:password@`. */
const ORIGIN = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/;

/**
 * The path as it may be logged: no origin, no query string, no fragment, redacted. The trail
 * applies it to every request event; it is exported for adapters that log paths themselves.
 *
 * @example A full URL with credentials in the query
 * ```ts
 * auditPath('https://u:p@api.example.com/v1/x?access_token=…#y') // '/v1/x'
 * ```
 */
export function auditPath(path: string): string {
  let p = String(path);
  const cut = p.search(/[?#]/);
  if (cut !== -1) p = p.slice(0, cut);
  if (p.includes('://')) {
    const origin = ORIGIN.exec(p);
    if (origin !== null) p = p.slice(origin[0].length) || '/';
  }
  return redact(p);
}

export const capPath = (p: string): string => (p.length > MAX_AUDIT_PATH ? `${p.slice(0, MAX_AUDIT_PATH)}…` : p);

/** A member to copy: its key and how its value is copied. */
type CopyList = readonly (readonly [key: string, copy: (value: never) => unknown])[];

/** How a member's value is copied, by its name's last character (see {@link copyList}). */
const COPIES: Readonly<Record<string, (value: never) => unknown>> = {
  '=': (value) => value,
  ']': texts,
  '#': requestIdFrom,
};

/**
 * Parses `names` once, at load: `name` copies as text, `name[]` as a list of texts, `name=` as
 * given (a number, a boolean), `name#` through {@link requestIdFrom} (a management event's id
 * may come from the caller's code: an actor's `requestId`, `recordAudit`).
 */
const copyList = (names: string): CopyList =>
  names.split(' ').map((n) => [n.replace(/\W+$/, ''), COPIES[n.slice(-1)] ?? text] as const);

const REQUEST_MEMBERS = copyList('reason missing[] count= degraded= rpcMethod');
const TOOL_MEMBER = copyList('tool');
const TOKEN_MEMBERS = copyList('reason rotatedFromId changes[] count= grantId scopes[] requestId# route code status=');

/** Copies the members of `input` that `list` names and that are set, in that order. */
function copySet(event: object, input: object, list: CopyList): void {
  for (const [key, copy] of list) {
    const value = (input as Record<string, unknown>)[key];
    if (value !== undefined) (event as Record<string, unknown>)[key] = copy(value as never);
  }
}

export function requestEvent(input: RequestAuditInput, now: number): Mutable<RequestAuditEvent> {
  const event: Mutable<RequestAuditEvent> = {
    type: input.type,
    time: timeOf(input.time, now),
    surface: text(input.surface) as Surface,
    method: text(input.method),
    path: capPath(auditPath(input.path)),
    requestId: text(input.requestId), // from requestIdFrom where the request came in (request-audit, authenticate)
    tokenId: textOrNull(input.tokenId),
    label: textOrNull(input.label),
    ownerId: textOrNull(input.ownerId),
    workspaceId: textOrNull(input.workspaceId),
  };
  copySet(event, input, REQUEST_MEMBERS);
  if (input.tokenKind === 'oauth') event.tokenKind = 'oauth';
  copySet(event, input, TOOL_MEMBER);
  return event;
}

export function tokenEvent(input: TokenAuditInput, now: number): Mutable<TokenAuditEvent> {
  const event: Mutable<TokenAuditEvent> = {
    type: input.type,
    time: timeOf(input.time, now),
    tokenId: textOrNull(input.tokenId),
    label: textOrNull(input.label),
    ownerId: textOrNull(input.ownerId),
    workspaceId: textOrNull(input.workspaceId),
    actor: freeze({ kind: text(input.actor.kind) as AuditActor['kind'], id: textOrNull(input.actor.id) }),
  };
  copySet(event, input, TOKEN_MEMBERS);
  if (input.leak !== undefined) {
    const { provider, type, url, source } = input.leak;
    event.leak = freeze({ provider: text(provider), type: text(type), url: text(url), source: text(source) });
  }
  return event;
}

/**
 * One JSON Lines record: `value` as JSON and `\n`. JSON.stringify escapes every C0 control but
 * leaves U+0085, U+2028 and U+2029 raw, and readers that follow Unicode's line boundaries
 * (Python's `str.splitlines()`, Java's `\R`) end a line at each: escaped here (`\u2028`, still
 * the same JSON), so a label holding one cannot cut its event into pieces for them either.
 */
export const jsonLine = (value: unknown): string =>
  `${stringify(value).replace(/[\u0085\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
