/**
 * What the management API shows of a token (SPEC §11 `TokenView`): the record minus internals
 * (`version`; the hash and pepper never leave the core), plus the effective scopes, a status and
 * the last-used surface. Times are ISO 8601 strings in UTC with milliseconds.
 */
import type { ScopeCatalogue } from '../core/scopes.ts';
import type { TokenRecord } from '../core/store.ts';
import type { ScopeCatalogueView, TokenView } from './answer-schemas.ts';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The status of a record at `now`: revoked wins over expired; a live token expiring within `expiringWithinMs` is `expiring`. */
export function statusOf(record: TokenRecord, now: number, expiringWithinMs: number): TokenView['status'] {
  if (record.revokedAt !== null) return 'revoked';
  if (record.expiresAt !== null && now >= record.expiresAt) return 'expired';
  if (record.expiresAt !== null && record.expiresAt - now <= expiringWithinMs) return 'expiring';
  return 'active';
}

/** The view of one record. `lastUsedSurface` is read from the record when a store keeps it, else null. */
export function toView(
  record: TokenRecord,
  catalogue: ScopeCatalogue,
  now: number,
  expiringWithinMs: number,
): TokenView {
  const surface = (record as { lastUsedSurface?: unknown }).lastUsedSurface;
  return {
    id: record.id,
    label: record.label,
    ownerId: record.ownerId,
    kind: record.kind,
    workspaceId: record.workspaceId,
    scopes: [...record.scopes],
    effectiveScopes: [...catalogue.closure(record.scopes)],
    restrictions:
      record.restrictions === null
        ? null
        : Object.fromEntries(Object.entries(record.restrictions).map(([k, v]) => [k, [...v]])),
    rateLimit: record.rateLimit as TokenView['rateLimit'],
    status: statusOf(record, now, expiringWithinMs),
    createdAt: iso(record.createdAt)!,
    createdBy: record.createdBy,
    expiresAt: iso(record.expiresAt),
    revokedAt: iso(record.revokedAt),
    revokedReason: record.revokedReason,
    lastUsedAt: iso(record.lastUsedAt),
    lastUsedSurface: surface === 'http' || surface === 'mcp' ? surface : null,
    rotatedFromId: record.rotatedFromId,
    familyId: record.familyId,
    start: record.start,
    metadata: record.metadata as TokenView['metadata'],
  };
}

/**
 * The catalogue as `GET /scopes` shows it, keeping only scopes whose closure the actor holds
 * (what they may grant), presets made only of those, and the defaults if all are grantable.
 */
export function catalogueView(
  catalogue: ScopeCatalogue,
  grantable: ReadonlySet<string>,
  resourceTypes: readonly string[],
): ScopeCatalogueView {
  const may = (s: string) => [...catalogue.closure([s])].every((c) => grantable.has(c));
  const names = catalogue.names.filter(may);
  return {
    scopes: names.map((name) => ({
      name,
      description: catalogue.definitions[name]?.description ?? null,
      implies: [...(catalogue.definitions[name]?.implies ?? [])],
      closure: [...catalogue.closure([name])],
    })),
    defaults: catalogue.defaults.every(may) ? [...catalogue.defaults] : [],
    presets: Object.entries(catalogue.presets)
      .filter(([, scopes]) => scopes.every(may))
      .map(([name, scopes]) => ({ name, scopes: [...scopes] })),
    resourceTypes: [...resourceTypes],
  };
}
