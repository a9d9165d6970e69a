/**
 * The layout of a token record in Redis: the index member that orders records, the list cursor,
 * and the decoding of a record (`HGETALL` pairs, each value JSON text) and of a published change.
 */
import { KeycardError } from '../core/errors.ts';
import type { StoreChange, StoredToken } from '../core/store.ts';
import { isArray, stringify } from '../core/builtins.ts';

/** Index members carry `createdAt` in 16 digits, so byte order is (createdAt, id) order. */
const CREATED_DIGITS = 16;

/** Every field value is stored as JSON text. */
export const json = (value: unknown): string => stringify(value);

/** The index member of a record: `createdAt` zero-padded, a colon, the id. */
export function memberOf(createdAt: number, id: string): string {
  if (!Number.isSafeInteger(createdAt) || createdAt < 0 || createdAt >= 10 ** CREATED_DIGITS) {
    throw new KeycardError('invalid_argument', 'createdAt must be integer epoch milliseconds >= 0');
  }
  return `${String(createdAt).padStart(CREATED_DIGITS, '0')}:${id}`;
}

/** The cursor: the (createdAt, id) of a page's last record, so inserts never shift a page. */
export function encodeCursor(t: StoredToken): string {
  return btoa(stringify([t.createdAt, t.id]));
}
export function decodeCursor(cursor: string): string {
  try {
    const v: unknown = JSON.parse(atob(cursor));
    if (isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'string') return memberOf(v[0], v[1]);
  } catch {
    // fall through
  }
  throw new KeycardError('invalid_argument', 'cursor is not one this store issued');
}

/** A record from `HGETALL`'s field/value pairs, each value JSON text. */
export function decode(reply: unknown): StoredToken {
  if (!isArray(reply) || reply.length % 2 !== 0)
    throw new KeycardError('unavailable', 'Redis token store answered an unexpected reply');
  const record: Record<string, unknown> = {};
  for (let i = 0; i < reply.length; i += 2) record[String(reply[i])] = JSON.parse(String(reply[i + 1]));
  return record as unknown as StoredToken;
}

/** A change from the changes channel, or null for anything this store did not publish. */
export function parseChange(message: string): StoreChange | null {
  let v: unknown;
  try {
    v = JSON.parse(message);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const c = v as { type?: unknown; seq?: unknown };
  if (typeof c.seq !== 'number' || !['token', 'revokeAll', 'owner'].includes(String(c.type))) return null;
  return v as StoreChange;
}
