/**
 * The schemas of the management API's answers (SPEC §11): they validate nothing at runtime, they
 * only generate the OpenAPI document (`npm run generate:openapi`) and give `keycard/client` and
 * the handler their types, as request-schemas.ts does for the requests, so no bundle that serves
 * the API builds them (issue 13, the edge bundle's size): import only types
 * from here in src/.
 */
import * as z from 'zod/mini';
import { jsonValue, rateLimit } from './request-schemas.ts';

/** What the API shows of a token (SPEC §11): the record minus internals, plus derived fields. */
export const tokenView = z.object({
  id: z.string(),
  label: z.string(),
  ownerId: z.string(),
  kind: z.enum(['personal', 'workspace']),
  workspaceId: z.nullable(z.string()),
  scopes: z.array(z.string()),
  effectiveScopes: z.array(z.string()),
  restrictions: z.nullable(z.record(z.string(), z.array(z.string()))),
  rateLimit: z.nullable(rateLimit),
  status: z.enum(['active', 'expiring', 'expired', 'revoked']),
  createdAt: z.string(),
  createdBy: z.nullable(z.string()),
  expiresAt: z.nullable(z.string()),
  revokedAt: z.nullable(z.string()),
  revokedReason: z.nullable(z.string()),
  lastUsedAt: z.nullable(z.string()),
  lastUsedSurface: z.nullable(z.enum(['http', 'mcp'])),
  rotatedFromId: z.nullable(z.string()),
  familyId: z.string(),
  start: z.string(),
  metadata: z.record(z.string(), jsonValue),
});

export const tokenPage = z.object({ data: z.array(tokenView), nextCursor: z.nullable(z.string()) });
export const createdToken = z.object({ token: z.string(), record: tokenView });
export const rotatedToken = z.object({
  token: z.string(),
  record: tokenView,
  previous: z.object({ id: z.string(), expiresAt: z.nullable(z.string()) }),
});
export const revokeAllResult = z.object({ count: z.number().check(z.int()) });
export const scopeCatalogue = z.object({
  scopes: z.array(
    z.object({
      name: z.string(),
      description: z.nullable(z.string()),
      implies: z.array(z.string()),
      closure: z.array(z.string()),
    }),
  ),
  defaults: z.array(z.string()),
  presets: z.array(z.object({ name: z.string(), scopes: z.array(z.string()) })),
  resourceTypes: z.array(z.string()),
});
export const activityPage = z.object({
  data: z.array(z.record(z.string(), jsonValue)),
  nextCursor: z.nullable(z.string()),
});
export const problemBody = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().check(z.int()),
  detail: z.string(),
  code: z.string(),
  errors: z.optional(z.array(z.object({ field: z.string(), message: z.string() }))),
  /** `count_changed`: the count the caller confirmed (`expectCount`). */
  expected: z.optional(z.number().check(z.int())),
  /** `count_changed`: the count found, or null when the store did not say. */
  actual: z.optional(z.nullable(z.number().check(z.int()))),
});

export type TokenView = z.output<typeof tokenView>;
export type TokenPage = z.output<typeof tokenPage>;
export type CreatedToken = z.output<typeof createdToken>;
export type RotatedToken = z.output<typeof rotatedToken>;
export type RevokeAllResult = z.output<typeof revokeAllResult>;
export type ScopeCatalogueView = z.output<typeof scopeCatalogue>;
export type ActivityPage = z.output<typeof activityPage>;
export type ProblemBody = z.output<typeof problemBody>;
