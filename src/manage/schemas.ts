/**
 * The schemas that validate every body and query of the management API (SPEC §11): strict (an
 * unknown field is an error), every bad field reported at once. They are request-schemas.ts's,
 * written with src/core/kinds.ts on zod's object type: the same issues, messages and data, without
 * zod's other types in the edge bundle. request-schemas.ts, in zod's own types, describes the
 * requests in the OpenAPI document and gives `keycard/client` its types;
 * test/manage/request-schemas.test.ts holds the two to the same answers.
 */
import * as z from '../core/shape.ts';
import { issueMessage } from '../core/config.ts';
import {
  anyOf,
  integer,
  json,
  list,
  nullable,
  oneOf,
  record,
  schema,
  schemaOf,
  text,
  strict,
  type Issue,
  type Kind,
} from '../core/kinds.ts';
import { policyKind, splitKind } from '../core/limiter.ts';
import { MAX_EPOCH_MS } from '../core/arguments.ts';
import { excerpt, holdsToken } from '../core/redact.ts';
import type { FieldError } from './problem.ts';
import type * as doc from './request-schemas.ts';
import { isArray } from '../core/builtins.ts';

type Out<S extends z.ZodMiniType> = z.ZodMiniType<z.output<S>, z.input<S>>;
const opt = (kind: Kind) => z.optional(schema(kind));

const line = (max: number) =>
  text({ min: 1, max, minError: 'must not be empty', maxError: `must be at most ${max} characters` });
const id = line(256);
/**
 * `z.iso.datetime({ offset: true })`: zod's pattern (`regexes.datetime`, whose namespace import
 * would keep all of zod's patterns), which test/manage/request-schemas.test.ts holds to zod's.
 */
export const DATETIME =
  /^(?:(?:\d\d[2468][048]|\d\d[13579][26]|\d\d0[48]|[02468][048]00|[13579][26]00)-02-29|\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|(?:02)-(?:0[1-9]|1\d|2[0-8])))T(?:(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z|([+-](?:[01]\d|2[0-3]):[0-5]\d)))$/;
const isoDateTime = text({ pattern: DATETIME, format: 'datetime' });
const scopes = opt(list(line(128), { min: 1, max: 200 }));
/** Epoch milliseconds or an ISO 8601 date-time with an offset. */
const instant = opt(
  anyOf([integer(0, MAX_EPOCH_MS), isoDateTime], 'must be epoch milliseconds or an ISO 8601 date-time'),
);
/** A query parameter holding a whole number (query strings are text), read as that number. */
const intParam = (min: number, max: number) => {
  const range = `must be from ${min} to ${max}`;
  const digits = text({ pattern: /^[1-9]\d{0,15}$/, patternError: `must be a whole number from ${min} to ${max}` });
  const whole = integer(min, max, undefined, { minError: range, maxError: range });
  const kind: Kind = (v, out) => {
    const from = out.length;
    digits(v, out);
    if (out.length === from) whole(Number(v), out);
  };
  return z.optional(schemaOf<number>(kind, Number));
};
/**
 * zod's `_default`s of a query's fields: each absent (or undefined) one takes its value, set on
 * the output once its fields pass (the object's own check).
 */
const defaults = (values: Readonly<Record<string, unknown>>) =>
  z.check<Record<string, unknown>>(({ value }) => {
    for (const [key, fallback] of Object.entries(values)) if (value[key] === undefined) value[key] = fallback;
  });
const restrictions = opt(nullable(record(line(64), list(line(256), { max: 1000 }))));
const metadata = opt(record(text({ max: 256 }), json));

const RATE_LIMIT_SHAPE = 'must be { limit, window } or { read: { limit, window }, write: { limit, window } }';
const policies = [policyKind, splitKind];
/**
 * A per-token rate limit (SPEC §5): `{ limit, window, name? }` or `{ read, write }` of those. When
 * neither shape fits, the message says why in terms of the shape the value resembles (one with
 * `read` or `write` is taken for a split), so a caller learns which member to mend.
 */
const rateLimit: Kind = (v, out) => {
  const issues: Issue[] = [];
  anyOf(policies)(v, issues);
  const union = issues[0];
  if (union?.code !== 'invalid_union') return void out.push(...issues);
  const split = typeof v === 'object' && v !== null && ('read' in v || 'write' in v);
  const why = ((union['errors'] as Issue[][])[split ? 1 : 0] ?? [])
    .map((i) => {
      const message = i.message ?? issueMessage(i as never);
      return i.path?.length ? `${i.path.join('.')} ${message}` : message;
    })
    .join('; ');
  const message =
    typeof v === 'object' && v !== null && !isArray(v) && why ? `${RATE_LIMIT_SHAPE}: ${why}` : RATE_LIMIT_SHAPE;
  out.push({ ...union, message });
};

// ── queries ──

/** `GET /tokens`. */
export const listQuery = z
  .strictObject({
    kind: opt(oneOf(['personal', 'workspace'])),
    workspaceId: opt(id),
    status: opt(oneOf(['active', 'expiring', 'revoked', 'expired', 'all'])),
    q: opt(text({ max: 200 })),
    cursor: opt(line(1024)),
    limit: intParam(1, 100),
  })
  .check(defaults({ status: 'active', limit: 50 })) as Out<typeof doc.listQuery>;

/** `GET /tokens/:id/activity`. */
export const activityQuery = z
  .strictObject({
    cursor: opt(line(1024)),
    limit: intParam(1, 100),
    since: opt(isoDateTime),
    until: opt(isoDateTime),
    outcome: opt(oneOf(['allowed', 'denied'])),
  })
  .check(defaults({ limit: 50 })) as Out<typeof doc.activityQuery>;

// ── bodies ──

/** A rule between fields, as zod's `superRefine` raises it. */
const cross = (path: string | string[], message: string) => ({
  code: 'custom' as const,
  path: [path].flat(),
  message,
  input: undefined,
  continue: true,
});

/** The refusal of a workspace id or rate limit name holding an API token (a secret pasted into the wrong field). */
export const HOLDS_TOKEN = 'must not hold an API token';

/** Where a rate limit's names hold an API token: stored, listed and sent in `RateLimit-Policy` as given. */
export const limitNamesHoldingToken = (l: unknown): string[][] =>
  ['', 'read', 'write']
    .filter((k) => {
      const n = ((k ? (l as Record<string, unknown> | null)?.[k] : l) as { name?: unknown } | null)?.name;
      return typeof n === 'string' && holdsToken(n);
    })
    .map((k) => ['rateLimit', ...(k ? [k] : []), 'name']);

/** `POST /tokens`. */
export const createBody = z
  .strictObject({
    label: schema(line(200)),
    scopes,
    preset: opt(line(128)),
    kind: opt(oneOf(['personal', 'workspace'])),
    workspaceId: opt(id),
    restrictions,
    expiresIn: opt(
      anyOf(
        [oneOf(['never', '30d', '90d', '365d']), integer(1, 8_640_000_000_000)],
        "must be 'never', '30d', '90d', '365d' or milliseconds",
      ),
    ),
    expiresAt: instant,
    metadata,
    rateLimit: opt(rateLimit),
  })
  .check(
    z.check(({ value: v, issues }) => {
      if (v.scopes !== undefined && v.preset !== undefined)
        issues.push(cross('preset', 'give scopes or preset, not both'));
      if (v.expiresIn !== undefined && v.expiresAt !== undefined)
        issues.push(cross('expiresAt', 'give expiresIn or expiresAt, not both'));
      if (v.kind === 'workspace' && v.workspaceId === undefined)
        issues.push(cross('workspaceId', 'workspace tokens need a workspaceId'));
      // Stored and answered as given, as restriction ids are: a token pasted here would be shown in the clear.
      if (typeof v.workspaceId === 'string' && holdsToken(v.workspaceId))
        issues.push(cross('workspaceId', HOLDS_TOKEN));
      issues.push(...limitNamesHoldingToken(v.rateLimit).map((p) => cross(p, HOLDS_TOKEN)));
    }),
  ) as Out<typeof doc.createBody>;

/** `PATCH /tokens/:id`: narrowing only (SPEC §6). */
export const updateBody = z
  .strictObject({
    label: opt(line(200)),
    metadata,
    scopes,
    restrictions,
    expiresAt: instant,
    /** A new limit; null clears it (the workspace's or the default applies again). */
    rateLimit: opt(nullable(rateLimit)),
  })
  .check(
    z.check(
      ({ value: v, issues }) =>
        void issues.push(...limitNamesHoldingToken(v.rateLimit).map((p) => cross(p, HOLDS_TOKEN))),
    ),
  ) as Out<typeof doc.updateBody>;

/** `POST /tokens/:id/revoke`. */
export const revokeBody = z.strictObject({ reason: opt(line(500)) }) as Out<typeof doc.revokeBody>;

/** The longest rotation grace period: 30 days. */
export const MAX_GRACE_MS = 30 * 86_400_000;

/** `POST /tokens/:id/rotate`. */
export const rotateBody = z.strictObject({
  graceMs: opt(integer(0, MAX_GRACE_MS, undefined, { maxError: `must be at most ${MAX_GRACE_MS} (30 days)` })),
}) as Out<typeof doc.rotateBody>;

/** `POST /tokens/revoke-all`. */
export const revokeAllBody = z.strictObject({
  target: schema(
    anyOf([strict({ ownerId: id }), strict({ workspaceId: id })], 'must be { ownerId } or { workspaceId }'),
  ),
  reason: schema(line(500)),
  expectCount: opt(integer(0)),
}) as Out<typeof doc.revokeAllBody>;

/**
 * Every issue of a failed parse as a field error: unknown keys one by one (`Unknown field`),
 * the others at their dotted path, `root` naming the whole body or query; each distinct error once.
 */
export function fieldErrors(error: z.core.$ZodError, root: 'body' | 'query'): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    const at = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ field: [...at, excerpt(key, 64)].join('.'), message: 'Unknown field' });
    } else {
      out.push({ field: at.length ? at.join('.') : root, message: issue.message });
    }
  }
  // Once each: zod may fail two checks of one field with one message (`limit: 1e308`).
  return out.filter((e, i) => out.findIndex((o) => o.field === e.field && o.message === e.message) === i);
}
