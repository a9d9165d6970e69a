/**
 * The management API's requests (SPEC §11) in zod's own types, one schema per route: they generate
 * the OpenAPI document (`npm run generate:openapi`) and give `keycard/client` its types (`import
 * type` only, so the client ships no zod). They validate nothing at runtime: schemas.ts does, with
 * the same issues and data from src/core/kinds.ts, and test/manage/request-schemas.test.ts holds
 * the two to the same answers. The answers' schemas are in answer-schemas.ts.
 */
import * as z from 'zod/mini';
import { _isoDateTime } from 'zod/v4/core';
import {
  LIMIT_MESSAGE,
  MAX_LIMIT,
  MAX_WINDOW_SECONDS,
  NAME_MESSAGE,
  POLICY_NAME,
  SPLIT_NAMES_MESSAGE,
  WINDOW_MESSAGE,
} from '../core/limiter.ts';
import { holdsToken } from '../core/redact.ts';
import { limitNamesHoldingToken, MAX_GRACE_MS, HOLDS_TOKEN } from './schemas.ts';
import { isArray } from '../core/builtins.ts';

const text = (max: number) =>
  z
    .string()
    .check(
      z.minLength(1, { error: 'must not be empty' }),
      z.maxLength(max, { error: `must be at most ${max} characters` }),
    );
const id = text(256);
/**
 * `z.iso.datetime({ offset: true })`, the same schema (class and parameters) built without going
 * through the `z.iso` namespace, which the bundler keeps whole: zod's ISO date, time and duration
 * types left the edge bundle with it (test/bundle-size.test.ts).
 */
const isoDateTime = () => _isoDateTime(z.ZodMiniISODateTime, { offset: true });
const scopeName = text(128);
/** Epoch milliseconds (at most 9999-12-31T23:59:59.999Z, schemas.ts's MAX_EPOCH_MS) or an ISO 8601 date-time with an offset. */
const instant = z.union([z.number().check(z.int(), z.minimum(0), z.maximum(253_402_300_799_999)), isoDateTime()], {
  error: 'must be epoch milliseconds or an ISO 8601 date-time',
});
/** A query parameter holding a whole number (query strings are text). */
const intParam = (min: number, max: number) =>
  z.pipe(
    z.pipe(
      z.string().check(z.regex(/^[1-9]\d{0,15}$/, { error: `must be a whole number from ${min} to ${max}` })),
      z.transform(Number),
    ),
    z
      .number()
      .check(
        z.int(),
        z.minimum(min, { error: `must be from ${min} to ${max}` }),
        z.maximum(max, { error: `must be from ${min} to ${max}` }),
      ),
  );
const restrictions = z.nullable(z.record(text(64), z.array(text(256)).check(z.maxLength(1000))));
/** Any JSON value (metadata); one named schema in the OpenAPI document. */
// A registered clone, as classic `.meta()` made: the recursion keeps pointing at the unnamed
// original, so the OpenAPI document is unchanged (`JsonValue` → `__schema0`).
export const jsonValue = z.json().clone().register(z.globalRegistry, { id: 'JsonValue' });
const metadata = z.record(z.string().check(z.maxLength(256)), jsonValue);

const RATE_LIMIT_SHAPE = 'must be { limit, window } or { read: { limit, window }, write: { limit, window } }';
/**
 * A per-token rate limit (SPEC §5), the core's own policy schemas: `{ limit, window, name? }`, or
 * `{ read, write }` of those (the policy named once in the OpenAPI document). When neither shape fits, the message says why in terms of the shape
 * the value resembles (one with `read` or `write` is taken for a split), so a caller learns which
 * member to mend even where zod cannot point at one.
 */
// parseRateLimit's policy (src/core/limiter.ts) in zod's own types, so that the document can
// describe it; test/config.test.ts holds the two to the same issues.
const whole = (max: number, error: string) =>
  z.number({ error }).check(z.int({ error }), z.minimum(1, { error }), z.maximum(max, { error }));
export const ratePolicy = z
  .strictObject({
    limit: whole(MAX_LIMIT, LIMIT_MESSAGE),
    window: whole(MAX_WINDOW_SECONDS, WINDOW_MESSAGE),
    name: z.optional(z.string({ error: NAME_MESSAGE }).check(z.regex(POLICY_NAME, { error: NAME_MESSAGE }))),
  })
  .register(z.globalRegistry, { id: 'RateLimitPolicy' });
/** A split setting as written (`{ read, write }`) of `policy`, with two names: clients tell the budgets apart by name. */
export const splitOf = (policy: typeof ratePolicy) =>
  z.strictObject({ read: policy, write: policy }).check(
    z.refine((v) => (v.read.name ?? 'read') !== (v.write.name ?? 'write'), {
      path: ['write', 'name'],
      error: SPLIT_NAMES_MESSAGE,
    }),
  );
export const rateLimit = z
  .union([ratePolicy, splitOf(ratePolicy)], {
    error: (issue) => {
      if (issue.code !== 'invalid_union') return undefined;
      const v = issue.input;
      const split = typeof v === 'object' && v !== null && ('read' in v || 'write' in v);
      const why = (issue.errors[split ? 1 : 0] ?? [])
        .map((i) => (i.path.length ? `${i.path.join('.')} ${i.message}` : i.message))
        .join('; ');
      return typeof v === 'object' && v !== null && !isArray(v) && why
        ? `${RATE_LIMIT_SHAPE}: ${why}`
        : RATE_LIMIT_SHAPE;
    },
  })
  .register(z.globalRegistry, { id: 'RateLimit' });

// ── queries ──

/** `GET /tokens`. */
export const listQuery = z.strictObject({
  kind: z.optional(z.enum(['personal', 'workspace'])),
  workspaceId: z.optional(id),
  status: z._default(z.enum(['active', 'expiring', 'revoked', 'expired', 'all']), 'active'),
  q: z.optional(z.string().check(z.maxLength(200))),
  cursor: z.optional(text(1024)),
  limit: z._default(intParam(1, 100), 50),
});

/** `GET /tokens/:id/activity`. */
export const activityQuery = z.strictObject({
  cursor: z.optional(text(1024)),
  limit: z._default(intParam(1, 100), 50),
  since: z.optional(isoDateTime()),
  until: z.optional(isoDateTime()),
  outcome: z.optional(z.enum(['allowed', 'denied'])),
});

// ── bodies ──

/** `POST /tokens`. */
export const createBody = z
  .strictObject({
    label: text(200),
    scopes: z.optional(z.array(scopeName).check(z.minLength(1), z.maxLength(200))),
    preset: z.optional(text(128)),
    kind: z.optional(z.enum(['personal', 'workspace'])),
    workspaceId: z.optional(id),
    restrictions: z.optional(restrictions),
    expiresIn: z.optional(
      z.union(
        [
          z.enum(['never', '30d', '90d', '365d']),
          z.number().check(z.int(), z.minimum(1), z.maximum(8_640_000_000_000)),
        ],
        {
          error: "must be 'never', '30d', '90d', '365d' or milliseconds",
        },
      ),
    ),
    expiresAt: z.optional(instant),
    metadata: z.optional(metadata),
    rateLimit: z.optional(rateLimit),
  })
  .check(
    z.superRefine((v, ctx) => {
      if (v.scopes !== undefined && v.preset !== undefined)
        ctx.addIssue({ code: 'custom', path: ['preset'], message: 'give scopes or preset, not both' });
      if (v.expiresIn !== undefined && v.expiresAt !== undefined)
        ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: 'give expiresIn or expiresAt, not both' });
      if (v.kind === 'workspace' && v.workspaceId === undefined)
        ctx.addIssue({ code: 'custom', path: ['workspaceId'], message: 'workspace tokens need a workspaceId' });
      if (typeof v.workspaceId === 'string' && holdsToken(v.workspaceId))
        ctx.addIssue({ code: 'custom', path: ['workspaceId'], message: HOLDS_TOKEN });
      for (const path of limitNamesHoldingToken(v.rateLimit))
        ctx.addIssue({ code: 'custom', path, message: HOLDS_TOKEN });
    }),
  );

/** `PATCH /tokens/:id`: narrowing only (SPEC §6). */
export const updateBody = z
  .strictObject({
    label: z.optional(text(200)),
    metadata: z.optional(metadata),
    scopes: z.optional(z.array(scopeName).check(z.minLength(1), z.maxLength(200))),
    restrictions: z.optional(restrictions),
    expiresAt: z.optional(instant),
    /** A new limit; null clears it (the workspace's or the default applies again). */
    rateLimit: z.optional(z.nullable(rateLimit)),
  })
  .check(
    z.superRefine((v, ctx) => {
      for (const path of limitNamesHoldingToken(v.rateLimit))
        ctx.addIssue({ code: 'custom', path, message: HOLDS_TOKEN });
    }),
  );

/** `POST /tokens/:id/revoke`. */
export const revokeBody = z.strictObject({ reason: z.optional(text(500)) });

/** `POST /tokens/:id/rotate`. */
export const rotateBody = z.strictObject({
  graceMs: z.optional(
    z
      .number()
      .check(z.int(), z.minimum(0), z.maximum(MAX_GRACE_MS, { error: `must be at most ${MAX_GRACE_MS} (30 days)` })),
  ),
});

/** `POST /tokens/revoke-all`. */
export const revokeAllBody = z.strictObject({
  target: z.union([z.strictObject({ ownerId: id }), z.strictObject({ workspaceId: id })], {
    error: 'must be { ownerId } or { workspaceId }',
  }),
  reason: text(500),
  expectCount: z.optional(z.number().check(z.int(), z.minimum(0))),
});

export type ListQueryInput = z.input<typeof listQuery>;
export type ActivityQueryInput = z.input<typeof activityQuery>;
export type CreateBody = z.input<typeof createBody>;
export type UpdateBody = z.input<typeof updateBody>;
export type RevokeBody = z.input<typeof revokeBody>;
export type RotateBody = z.input<typeof rotateBody>;
export type RevokeAllBody = z.input<typeof revokeAllBody>;
