/**
 * The helpers `keycard/store-kit` exports, as it exports them: the arguments checked, every wrong
 * one named in a KeycardError (`invalid_argument`), where a store author's slip (a record left out,
 * a number for a string) was a TypeError from inside them or a wrong answer (`classOf(undefined)`
 * was 'write', `crc32(5)` was 0). keycard's own calls go to the core's functions directly, so the
 * request path pays nothing for these checks.
 */
import { checkArguments } from './arguments-check.ts';
import * as hash from './hash.ts';
import * as limiter from './limiter.ts';
import { toRecord as recordOf } from './records.ts';
import * as store from './store.ts';
import { crc32 as crc } from './token.ts';
import { isArray } from './builtins.ts';

const isObject = (v: unknown): v is object => typeof v === 'object' && v !== null;
const TOKEN = 'a stored token (an object)';
const STRING = 'a string';

/** {@link recordOf toRecord}: the record without `hash` and `pepperVersion`. */
export function toRecord(token: store.StoredToken): store.TokenRecord {
  checkArguments('toRecord', ['token', isObject(token), TOKEN, token]);
  return recordOf(token);
}

/** {@link store.countedByRevokeAll}. */
export function countedByRevokeAll(
  token: { readonly revokedAt: number | null; readonly expiresAt: number | null },
  at: number,
): boolean {
  checkArguments(
    'countedByRevokeAll',
    ['token', isObject(token), TOKEN, token],
    ['at', typeof at === 'number', 'a time in epoch milliseconds', at],
  );
  return store.countedByRevokeAll(token, at);
}

/** {@link store.coveredByRevokeAll}. */
export function coveredByRevokeAll(
  filter: store.RevokeAllFilter,
  token: Parameters<typeof store.coveredByRevokeAll>[1],
): boolean {
  if (!isObject(filter) || !isObject(token))
    checkArguments(
      'coveredByRevokeAll',
      ['filter', isObject(filter), 'a revokeAll filter ({ ownerId } or { workspaceId })', filter],
      ['token', isObject(token), TOKEN, token],
    );
  return store.coveredByRevokeAll(filter, token);
}

/** {@link store.watermarkKey}. */
export function watermarkKey(token: Parameters<typeof store.watermarkKey>[0]): string | null {
  // A key for an owner or workspace of `undefined` would match other such mistakes, not a token.
  const t = token as { kind?: unknown; ownerId?: unknown; workspaceId?: unknown } | null;
  const ok =
    isObject(t) &&
    (t.kind === 'personal'
      ? typeof t.ownerId === 'string'
      : t.kind === 'workspace' && (t.workspaceId === null || typeof t.workspaceId === 'string'));
  const expected = "a token { kind: 'personal', ownerId } or { kind: 'workspace', workspaceId }";
  checkArguments('watermarkKey', ['token', ok, expected, token]);
  return store.watermarkKey(token);
}

/** {@link limiter.classOf}. */
export function classOf(method: string): limiter.LimitClass {
  checkArguments('classOf', ['method', typeof method === 'string', 'an HTTP method (a string)', method]);
  return limiter.classOf(method);
}

/** {@link limiter.chargeFor}. */
export function chargeFor(
  config: limiter.RateLimitConfig,
  id: string,
  cls: limiter.LimitClass,
): ReturnType<typeof limiter.chargeFor> {
  checkArguments(
    'chargeFor',
    ['config', isObject(config), 'a rate-limit config (parseRateLimit())', config],
    ['id', typeof id === 'string', STRING, id],
    ['cls', cls === 'read' || cls === 'write', "'read' or 'write'", cls],
  );
  return limiter.chargeFor(config, id, cls);
}

/** {@link crc}. */
export function crc32(text: string, end: number = text?.length): number {
  checkArguments(
    'crc32',
    ['text', typeof text === 'string', STRING, text],
    ['end', Number.isInteger(end) || typeof text !== 'string', 'a whole number', end],
  );
  return crc(text, end);
}

/** {@link hash.createHasher}. */
export function createHasher(peppers: readonly hash.Pepper[] = []): hash.TokenHasher {
  checkArguments('createHasher', ['peppers', isArray(peppers), 'an array of peppers', peppers]);
  return hash.createHasher(peppers);
}

/** {@link hash.constantTimeEqual}. */
export function constantTimeEqual(a: string, b: string): boolean {
  if (typeof a !== 'string' || typeof b !== 'string')
    checkArguments(
      'constantTimeEqual',
      ['a', typeof a === 'string', STRING, a],
      ['b', typeof b === 'string', STRING, b],
    );
  return hash.constantTimeEqual(a, b);
}
