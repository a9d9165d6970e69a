/**
 * Rows ↔ values for the Postgres store: a row becomes a fresh `StoredToken`, a recorded or
 * notified change becomes a `StoreChange`, and a page's last key becomes an opaque cursor. Drivers
 * differ in how they hand values back (node-postgres: bigint as a string, PGlite: a number; JSON
 * parsed or not, by configuration), so every field is normalised here.
 */
import { KeycardError } from '../core/errors.ts';
import type { JsonValue, RateLimitSetting, StoreChange, StoredToken } from '../core/store.ts';
import { isArray, stringify } from '../core/builtins.ts';

/** A JSON column: parsed by most drivers, a string when a driver is configured not to parse. */
function jsonColumn<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

const num = (value: unknown): number => (typeof value === 'number' ? value : Number(value));
const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : num(value));
const strOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

/** A row selected with `TOKEN_COLUMNS`, as a new record (never shared, so callers may mutate it). */
export function rowToToken(row: Readonly<Record<string, unknown>>): StoredToken {
  return {
    id: String(row['id']),
    label: String(row['label']),
    ownerId: String(row['ownerId']),
    kind: row['kind'] === 'workspace' ? 'workspace' : 'personal',
    workspaceId: strOrNull(row['workspaceId']),
    scopes: jsonColumn<string[]>(row['scopes']),
    restrictions: jsonColumn<Record<string, string[]> | null>(row['restrictions'] ?? null),
    rateLimit: jsonColumn<RateLimitSetting | null>(row['rateLimit'] ?? null),
    createdAt: num(row['createdAt']),
    createdBy: strOrNull(row['createdBy']),
    expiresAt: numOrNull(row['expiresAt']),
    revokedAt: numOrNull(row['revokedAt']),
    revokedReason: strOrNull(row['revokedReason']),
    lastUsedAt: numOrNull(row['lastUsedAt']),
    rotatedFromId: strOrNull(row['rotatedFromId']),
    familyId: String(row['familyId']),
    start: String(row['start']),
    metadata: jsonColumn<Record<string, JsonValue>>(row['metadata'] ?? {}),
    version: num(row['version']),
    hash: String(row['hash']),
    pepperVersion: num(row['pepperVersion']),
  };
}

const isString = (v: unknown): v is string => typeof v === 'string';

/**
 * A change as recorded in `keycard_changes`, or null when the value is not one. (A NOTIFY payload
 * is never read as a change: it only wakes the feed's poll, `postgres-feed.ts`.)
 */
export function toChange(seq: number, value: unknown): StoreChange | null {
  let v: unknown;
  try {
    v = jsonColumn<unknown>(value);
  } catch {
    return null;
  }
  if (!Number.isSafeInteger(seq) || typeof v !== 'object' || v === null) return null;
  const c = v as Record<string, unknown>;
  switch (c['type']) {
    case 'token':
      if (
        isString(c['id']) &&
        isString(c['hash']) &&
        typeof c['version'] === 'number' &&
        typeof c['revoked'] === 'boolean'
      ) {
        return { type: 'token', seq, id: c['id'], hash: c['hash'], version: c['version'], revoked: c['revoked'] };
      }
      return null;
    case 'revokeAll': {
      const f = c['filter'] as Record<string, unknown> | null | undefined;
      if (typeof c['revokedBefore'] !== 'number' || typeof f !== 'object' || f === null) return null;
      const revokedBefore = c['revokedBefore'];
      if (isString(f['ownerId'])) return { type: 'revokeAll', seq, filter: { ownerId: f['ownerId'] }, revokedBefore };
      if (isString(f['workspaceId']))
        return { type: 'revokeAll', seq, filter: { workspaceId: f['workspaceId'] }, revokedBefore };
      return null;
    }
    case 'owner':
      return isString(c['principalId']) ? { type: 'owner', seq, principalId: c['principalId'] } : null;
    default:
      return null;
  }
}

/** base64url of UTF-8, so ids outside Latin-1 survive (plain `btoa` throws on them). */
function toBase64Url(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
function fromBase64Url(text: string): string {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0)));
}

/** Cursor: the (createdAt, id) key of a page's last record. Opaque to callers. */
export function encodeCursor(token: Pick<StoredToken, 'createdAt' | 'id'>): string {
  return toBase64Url(stringify([token.createdAt, token.id]));
}

/** The key a cursor holds; `invalid_argument` for anything this store did not issue. */
export function decodeCursor(cursor: string): [number, string] {
  try {
    const v: unknown = JSON.parse(fromBase64Url(cursor));
    if (isArray(v) && v.length === 2 && Number.isFinite(v[0]) && typeof v[1] === 'string')
      return [v[0] as number, v[1]];
  } catch {
    // fall through
  }
  throw new KeycardError('invalid_argument', 'cursor is not one this store issued');
}
