/**
 * One zod schema per route of the management API (SPEC §11): they validate every body and query
 * (strict: an unknown field is an error; every bad field is reported at once), they generate the
 * OpenAPI document, and `keycard/client` takes its types from them (`import type` only, so the
 * client ships no zod).
 */
import * as z from 'zod';
import type { FieldError } from './problem.ts';

const text = (max: number) =>
  z
    .string()
    .min(1, { error: 'must not be empty' })
    .max(max, { error: `must be at most ${max} characters` });
const id = text(256);
const scopeName = text(128);
/** Epoch milliseconds or an ISO 8601 date-time with an offset. */
const instant = z.union([z.number().int().min(0).max(8_640_000_000_000_000), z.iso.datetime({ offset: true })], {
  error: 'must be epoch milliseconds or an ISO 8601 date-time',
});
/** A query parameter holding a whole number (query strings are text). */
const intParam = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,16}$/, { error: `must be a whole number from ${min} to ${max}` })
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(min, { error: `must be from ${min} to ${max}` })
        .max(max, { error: `must be from ${min} to ${max}` }),
    );
const restrictions = z.record(text(64), z.array(text(256)).max(1000)).nullable();
/** Any JSON value (metadata); one named schema in the OpenAPI document. */
const jsonValue = z.json().meta({ id: 'JsonValue' });
const metadata = z.record(z.string().max(256), jsonValue);

// ── queries ──

/** `GET /tokens`. */
export const listQuery = z.strictObject({
  kind: z.enum(['personal', 'workspace']).optional(),
  workspaceId: id.optional(),
  status: z.enum(['active', 'expiring', 'revoked', 'expired', 'all']).default('active'),
  q: z.string().max(200).optional(),
  cursor: text(1024).optional(),
  limit: intParam(1, 100).default(50),
});

/** `GET /tokens/:id/activity`. */
export const activityQuery = z.strictObject({
  cursor: text(1024).optional(),
  limit: intParam(1, 100).default(50),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  outcome: z.enum(['allowed', 'denied']).optional(),
});

// ── bodies ──

/** `POST /tokens`. */
export const createBody = z
  .strictObject({
    label: text(200),
    scopes: z.array(scopeName).min(1).max(200).optional(),
    preset: text(128).optional(),
    kind: z.enum(['personal', 'workspace']).optional(),
    workspaceId: id.optional(),
    restrictions: restrictions.optional(),
    expiresIn: z
      .union([z.enum(['never', '30d', '90d', '365d']), z.number().int().min(1).max(8_640_000_000_000)], {
        error: "must be 'never', '30d', '90d', '365d' or milliseconds",
      })
      .optional(),
    expiresAt: instant.optional(),
    metadata: metadata.optional(),
  })
  .superRefine((v, ctx) => {
    if (v.scopes !== undefined && v.preset !== undefined)
      ctx.addIssue({ code: 'custom', path: ['preset'], message: 'give scopes or preset, not both' });
    if (v.expiresIn !== undefined && v.expiresAt !== undefined)
      ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: 'give expiresIn or expiresAt, not both' });
    if (v.kind === 'workspace' && v.workspaceId === undefined)
      ctx.addIssue({ code: 'custom', path: ['workspaceId'], message: 'workspace tokens need a workspaceId' });
  });

/** `PATCH /tokens/:id`: narrowing only (SPEC §6). */
export const updateBody = z.strictObject({
  label: text(200).optional(),
  metadata: metadata.optional(),
  scopes: z.array(scopeName).min(1).max(200).optional(),
  restrictions: restrictions.optional(),
  expiresAt: instant.optional(),
});

/** `POST /tokens/:id/revoke`. */
export const revokeBody = z.strictObject({ reason: text(500).optional() });

/** The longest rotation grace period: 30 days. */
export const MAX_GRACE_MS = 30 * 86_400_000;

/** `POST /tokens/:id/rotate`. */
export const rotateBody = z.strictObject({
  graceMs: z
    .number()
    .int()
    .min(0)
    .max(MAX_GRACE_MS, { error: `must be at most ${MAX_GRACE_MS} (30 days)` })
    .optional(),
});

/** `POST /tokens/revoke-all`. */
export const revokeAllBody = z.strictObject({
  target: z.union([z.strictObject({ ownerId: id }), z.strictObject({ workspaceId: id })], {
    error: 'must be { ownerId } or { workspaceId }',
  }),
  reason: text(500),
  expectCount: z.number().int().min(0).optional(),
});

// ── answers (for OpenAPI and the client's types) ──

const rateLimitWindow = z.object({ limit: z.number().int(), window: z.number().int(), name: z.string().optional() });

/** What the API shows of a token (SPEC §11): the record minus internals, plus derived fields. */
export const tokenView = z.object({
  id: z.string(),
  label: z.string(),
  ownerId: z.string(),
  kind: z.enum(['personal', 'workspace']),
  workspaceId: z.string().nullable(),
  scopes: z.array(z.string()),
  effectiveScopes: z.array(z.string()),
  restrictions: z.record(z.string(), z.array(z.string())).nullable(),
  rateLimit: z.union([rateLimitWindow, z.object({ read: rateLimitWindow, write: rateLimitWindow })]).nullable(),
  status: z.enum(['active', 'expiring', 'expired', 'revoked']),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  revokedReason: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  lastUsedSurface: z.enum(['http', 'mcp']).nullable(),
  rotatedFromId: z.string().nullable(),
  familyId: z.string(),
  start: z.string(),
  metadata: z.record(z.string(), jsonValue),
});

export const tokenPage = z.object({ data: z.array(tokenView), nextCursor: z.string().nullable() });
export const createdToken = z.object({ token: z.string(), record: tokenView });
export const rotatedToken = z.object({
  token: z.string(),
  record: tokenView,
  previous: z.object({ id: z.string(), expiresAt: z.string().nullable() }),
});
export const revokeAllResult = z.object({ count: z.number().int() });
export const scopeCatalogue = z.object({
  scopes: z.array(
    z.object({
      name: z.string(),
      description: z.string().nullable(),
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
  nextCursor: z.string().nullable(),
});
export const problemBody = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});

export type TokenView = z.output<typeof tokenView>;
export type TokenPage = z.output<typeof tokenPage>;
export type CreatedToken = z.output<typeof createdToken>;
export type RotatedToken = z.output<typeof rotatedToken>;
export type RevokeAllResult = z.output<typeof revokeAllResult>;
export type ScopeCatalogueView = z.output<typeof scopeCatalogue>;
export type ActivityPage = z.output<typeof activityPage>;
export type ProblemBody = z.output<typeof problemBody>;
export type ListQueryInput = z.input<typeof listQuery>;
export type ActivityQueryInput = z.input<typeof activityQuery>;
export type CreateBody = z.input<typeof createBody>;
export type UpdateBody = z.input<typeof updateBody>;
export type RevokeBody = z.input<typeof revokeBody>;
export type RotateBody = z.input<typeof rotateBody>;
export type RevokeAllBody = z.input<typeof revokeAllBody>;

/**
 * Every issue of a failed parse as a field error: unknown keys one by one (`Unknown field`),
 * the others at their dotted path, `root` naming the whole body or query.
 */
export function fieldErrors(error: z.ZodError, root: 'body' | 'query'): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    const at = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ field: [...at, key].join('.'), message: 'Unknown field' });
    } else {
      out.push({ field: at.length ? at.join('.') : root, message: issue.message });
    }
  }
  return out;
}
