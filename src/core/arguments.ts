/**
 * Arguments of the public management calls (`issue`, `revoke`, `revokeAll`, `rotate`, `list`,
 * `get`, `update`, `invalidateOwner`), validated up front with one zod schema per call: callers
 * in untyped JavaScript get `KeycardError('invalid_argument')` naming every bad field at once,
 * before anything is read or written, and only values that every store (memory, Redis, Postgres)
 * keeps identically get through — no NUL character or lone surrogate (Postgres refuses them), no
 * instant outside the `Date` range, metadata that is plain JSON only.
 */
import * as z from './shape.ts';
import { english, intFrom } from './config.ts';
import { anyOf, integer, nullable, oneOf, refine, schema, text, type Issue, type Kind } from './kinds.ts';
import type { Clock } from './clock.ts';
import { KeycardError } from './errors.ts';
import { Identity } from './identity.ts';
import { parseRateLimit } from './limiter.ts';
import { parseRestrictions, restrictionIdsProblem, type Hierarchy } from './restrictions.ts';
import type { ScopeCatalogue } from './scopes.ts';
import { MAX_ID_LENGTH } from './user-actor.ts';
import { storable } from './well-formed.ts';
import { excerpt } from './redact.ts';
import { isArray, stringify } from './builtins.ts';

/**
 * The latest expiry, 9999-12-31T23:59:59.999Z in epoch milliseconds: answers write instants as
 * ISO 8601 strings, whose years have four digits (a later `Date` prints `+010000-…`, which the
 * management API's own inputs and RFC 3339 readers refuse).
 */
export const MAX_EPOCH_MS = 253_402_300_799_999;
/** The longest rotation grace period: a year. A longer overlap is a second token, not a grace. */
export const MAX_GRACE_MS = 365 * 86_400_000;
/** The largest `metadata`, as JSON text. */
export const MAX_METADATA_BYTES = 16_384;
const MAX_JSON_DEPTH = 32;

const line = (max: number) =>
  refine(
    text({ min: 1, max, error: `must be a non-empty string of at most ${max} characters` }),
    storable,
    'must not contain NUL characters or lone surrogates',
  );
/** A problem of a hand check, worded as is: it stops no check (as zod's `superRefine` issues). */
const custom = (message: string, path?: PropertyKey[]): Issue => ({ code: 'custom', message, path, continue: true });

/** Why `value` is not plain, storable JSON (a path and a reason), or null when it is. */
function jsonProblem(value: unknown, path: string, depth: number): string | null {
  if (depth > MAX_JSON_DEPTH) return `${path} nests deeper than ${MAX_JSON_DEPTH} levels`;
  if (value === null || typeof value === 'boolean') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : `${path} must be a finite number`;
  if (typeof value === 'string')
    return storable(value) ? null : `${path} must not contain NUL characters or lone surrogates`;
  if (isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = jsonProblem(value[i], `${path}[${i}]`, depth + 1);
      if (p) return p;
    }
    return null;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null)
      return `${path} must be a plain object, array, string, number, boolean or null`;
    for (const [k, v] of Object.entries(value)) {
      if (!storable(k)) return `${path} has a key with a NUL character or a lone surrogate`;
      const p = jsonProblem(v, `${path}.${k}`, depth + 1);
      if (p) return p;
    }
    return null;
  }
  return `${path} must be JSON (got ${typeof value})`;
}

const metadata = schema((v, out) => {
  if (typeof v !== 'object' || v === null || isArray(v))
    return void out.push(custom('must be an object of JSON values'));
  const problem = jsonProblem(v, 'metadata', 0);
  if (problem) out.push(custom(`is not storable JSON: ${problem}`));
  else if (new TextEncoder().encode(stringify(v)).length > MAX_METADATA_BYTES)
    out.push(custom(`must be at most ${MAX_METADATA_BYTES} bytes as JSON`));
});

/** `parseX` helpers throw a KeycardError whose message names the field: carry it as the issue. */
const by = (check: (v: unknown) => unknown) =>
  schema((v, out) => {
    try {
      check(v);
    } catch (e) {
      out.push(custom(e instanceof Error ? e.message : 'is invalid'));
    }
  });

/** An owner, workspace or actor id: what every store keeps the same (src/core/user-actor.ts). */
const idLine = line(MAX_ID_LENGTH);
const id = schema<string>(idLine);
const ID_MESSAGE = `must be a non-empty string of at most ${MAX_ID_LENGTH} characters`;
const isId = (v: unknown) => {
  const issues: Issue[] = [];
  idLine(v, issues);
  return issues.length === 0;
};

/**
 * The actor, copied (its scopes too) and then checked: each field is read once, and the call uses
 * the copy after its awaits (its grant checks, `createdBy`, the audit event and its requestId), so
 * an actor the caller changes while the call is pending (alice → mallory, a getter, scopes pushed
 * onto) is checked, bounded and audited as one identity.
 */
const actor = z.unknown().check(
  z.check((payload) => {
    const v = payload.value;
    const at = (path: string[], message: string) => void payload.issues.push(custom(message, path) as never);
    if (typeof v !== 'object' || v === null || isArray(v))
      return at([], "must be omitted (system) or an object with kind 'user', 'token' or 'system'");
    const { kind, id, scopes, identity, requestId } = v as Record<string, unknown>;
    const a = { kind, id, scopes: isArray(scopes) ? [...scopes] : scopes, identity, requestId };
    payload.value = a;
    switch (kind) {
      case 'user':
        if (!isId(id)) at(['id'], ID_MESSAGE);
        if (!isArray(a.scopes) || !a.scopes.every((s) => typeof s === 'string'))
          at(['scopes'], 'must be an array of the scopes the user holds now');
        return;
      case 'token':
        if (!(identity instanceof Identity)) at(['identity'], 'must be the Identity of a verified token');
        return;
      case 'system':
        if (id !== undefined && !isId(id)) at(['id'], ID_MESSAGE);
        return;
      default:
        return at(['kind'], "must be 'user', 'token' or 'system'");
    }
  }),
);

// A hand check rather than `z.union([z.number(), z.date()])`: the same words, without zod's date
// schema in every bundle that creates a keycard (the edge bundle guard in test/bundle-size.test.ts).
const epoch: Kind = (v, out) => {
  const n = v instanceof Date ? v.getTime() : typeof v === 'number' ? v : NaN;
  if (!Number.isFinite(n)) out.push({ ...custom('must be a Date or epoch milliseconds'), continue: false });
  else if (n < 0 || n > MAX_EPOCH_MS)
    out.push(custom(`must be a valid Date or epoch milliseconds from 0 to ${MAX_EPOCH_MS} (year 9999)`));
};

const kind = schema(oneOf(['personal', 'workspace'], "must be 'personal' or 'workspace'"));
const reason = schema<string>(line(500));

// The schemas that do not depend on the instance.
const revokeOptions = z.strictObject(
  { reason: z.optional(reason), actor: z.optional(actor) },
  { error: 'must be an object' },
);
const revokeAllOptions = z.strictObject(
  {
    reason: z.optional(reason),
    actor: z.optional(actor),
    expectCount: z.optional(schema(integer(0, Number.MAX_SAFE_INTEGER, 'must be a whole number from 0'))),
  },
  { error: 'must be an object' },
);
/** The filter, its one key and id each read once and copied: `revokeAll` revokes by what was checked. */
const revokeAllFilter = z.unknown().check(
  z.check((payload) => {
    const f = payload.value as Record<string, unknown> | null;
    const out = payload.issues as unknown as Issue[];
    if (typeof f !== 'object' || f === null || isArray(f))
      return void out.push(custom('must be { ownerId } or { workspaceId }'));
    const keys = Object.keys(f);
    if (keys.length !== 1 || (keys[0] !== 'ownerId' && keys[0] !== 'workspaceId'))
      return void out.push(custom('must be exactly one of { ownerId } or { workspaceId }'));
    const key = keys[0];
    const value = f[key];
    payload.value = { [key]: value };
    if (!isId(value)) out.push(custom(ID_MESSAGE, [key]));
  }),
);
const rotateOptions = z.strictObject(
  {
    graceMs: z.optional(
      schema(integer(0, MAX_GRACE_MS, undefined, { maxError: `must be at most ${MAX_GRACE_MS} (a year)` })),
    ),
    actor: z.optional(actor),
  },
  { error: 'must be an object' },
);
const listFilter = z.strictObject(
  {
    ownerId: z.optional(id),
    workspaceId: z.optional(id),
    kind: z.optional(kind),
    status: z.optional(
      schema(oneOf(['active', 'revoked', 'expired', 'all'], "must be 'active', 'revoked', 'expired' or 'all'")),
    ),
    limit: z.optional(intFrom(1, 500)),
    cursor: z.optional(schema(nullable(text({ max: 1024 })))),
  },
  { error: 'must be an object' },
);
const actorOptions = z.strictObject({ actor: z.optional(actor) }, { error: 'must be an object' });

/** What a call's arguments are checked against: the instance's catalogue, hierarchy and clock. */
export interface ArgumentContext {
  readonly catalogue: ScopeCatalogue<string>;
  readonly hierarchy: Hierarchy | null;
  readonly clock: Clock;
}

/** The validators of one instance: each throws `invalid_argument` naming every bad field, or returns. */
export function argumentValidators(ctx: ArgumentContext) {
  const scopes = by((v) => {
    const s = ctx.catalogue.parseGrant(v);
    if (s.length === 0) throw new Error('must name at least one scope');
  });
  const restrictions = by((v) => {
    if (v === null) return;
    if (!ctx.hierarchy) throw new Error('need `resources` (the hierarchy) on createKeycard');
    parseRestrictions(ctx.hierarchy, v);
    for (const ids of Object.values(v as Record<string, unknown[]>)) {
      const problem = restrictionIdsProblem(ids);
      if (problem !== null) throw new Error(problem);
    }
  });
  const rateLimit = by((v) => v === null || parseRateLimit(v, 'rateLimit'));
  const future = refine(
    epoch,
    (v) => (v instanceof Date ? v.getTime() : (v as number)) > ctx.clock.now(),
    'must be in the future',
  );
  const expiresIn = schema(
    refine(
      anyOf(
        [oneOf(['never', '30d', '90d', '365d']), integer(1)],
        "must be 'never', '30d', '90d', '365d' or a positive integer of milliseconds",
      ),
      (v) => typeof v !== 'number' || ctx.clock.now() + v <= MAX_EPOCH_MS,
      `must end by ${MAX_EPOCH_MS} epoch milliseconds (year 9999)`,
    ),
  );

  const issueInput = z.strictObject(
    {
      ownerId: id,
      label: schema(line(200)),
      scopes: z.optional(scopes),
      kind: z.optional(kind),
      workspaceId: z.optional(schema(nullable(idLine))),
      restrictions: z.optional(restrictions),
      rateLimit: z.optional(rateLimit),
      expiresIn: z.optional(expiresIn),
      expiresAt: z.optional(schema(nullable(future))),
      metadata: z.optional(metadata),
      actor: z.optional(actor),
    },
    { error: 'must be an object' },
  );
  const updatePatch = z.strictObject(
    {
      label: z.optional(schema(line(200))),
      metadata: z.optional(metadata),
      rateLimit: z.optional(rateLimit),
      expiresAt: z.optional(schema(epoch)),
      scopes: z.optional(scopes),
      restrictions: z.optional(restrictions),
    },
    { error: 'must be an object' },
  );

  // Each answers what its check read (zod's copies of the objects, the actor copied before its
  // check): the call uses that, never its arguments again.
  return {
    issue: <I>(input: I): I => check('issue', [issueInput], [input], ['~input'], issueCrossChecks)[0] as I,
    revoke: <O>(tokenId: unknown, options: O): O =>
      check('revoke', [id, z.optional(revokeOptions)], [tokenId, options], ['id', '~options'])[1] as O,
    revokeAll: <F, O>(filter: F, options: O): [F, O] =>
      check(
        'revokeAll',
        [revokeAllFilter, z.optional(revokeAllOptions)],
        [filter, options],
        ['~filter', '~options'],
      ) as [F, O],
    rotate: <O>(tokenId: unknown, options: O): O =>
      check('rotate', [id, z.optional(rotateOptions)], [tokenId, options], ['id', '~options'])[1] as O,
    list: <F>(filter: F): F => check('list', [z.optional(listFilter)], [filter], ['~filter'])[0] as F,
    get: (tokenId: unknown) => void check('get', [id], [tokenId], ['id']),
    update: <P, O>(tokenId: unknown, patch: P, options: O): [P, O] =>
      check(
        'update',
        [id, updatePatch, z.optional(actorOptions)],
        [tokenId, patch, options],
        ['id', 'patch', '~options'],
      ).slice(1) as [P, O],
    invalidateOwner: (principalId: unknown) => void check('invalidateOwner', [id], [principalId], ['principalId']),
  };
}

/** Rules between fields of `issue`, reported with the field issues. */
function issueCrossChecks(args: readonly unknown[]): [string, string][] {
  const input = args[0];
  if (typeof input !== 'object' || input === null) return [];
  const i = input as Record<string, unknown>;
  const out: [string, string][] = [];
  if (i['expiresAt'] != null && i['expiresIn'] !== undefined)
    out.push(['expiresIn', 'cannot be given with expiresAt (give one)']);
  if (i['kind'] === 'workspace' && i['workspaceId'] == null)
    out.push(['workspaceId', 'is required for workspace tokens']);
  return out;
}

/**
 * A problem at `field` whose message a shared parser already began with the field's own name
 * (`rateLimit.limit must be …`, `scopes names unknown scope …`): the field is the deepest one the
 * message names, and the message is not prefixed twice.
 */
function ownField(field: string, message: string): [string, string] {
  if (!message.startsWith(field)) return [field, message];
  const named = /^([\w.[\]]+) (.+)$/s.exec(message);
  return named && (named[1] === field || named[1]!.startsWith(`${field}.`)) ? [named[1]!, named[2]!] : [field, message];
}

/**
 * Parses each of `args` with its schema and answers what each parsed to; on failure throws one
 * `invalid_argument` naming every bad field, e.g. `issue: ownerId must be …; metadata must be …`.
 * Field names are the argument names (`names`; `~options` for an object whose fields name
 * themselves) and the path inside them.
 */
function check(
  call: string,
  schemas: readonly z.ZodMiniType[],
  args: readonly unknown[],
  names: readonly string[],
  cross?: (args: readonly unknown[]) => [string, string][],
): unknown[] {
  const problems: [string, string][] = [];
  const parsedArgs = schemas.map((schema, index) => {
    const parsed = schema.safeParse(args[index], english);
    if (parsed.success) return parsed.data;
    const name = names[index]!;
    // '~options': its fields name themselves (`reason`, not `options.reason`); the whole is `options`.
    const head = name.startsWith('~') ? '' : name;
    const at = (path: readonly string[]) => [head, ...path].filter(Boolean).join('.') || name.replace('~', '');
    for (const issue of parsed.error.issues) {
      const rest = issue.path.map(String);
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) problems.push([at([...rest, excerpt(key, 64)]), 'is not a known field']);
      } else problems.push(ownField(at(rest), issue.message));
    }
    return args[index];
  });
  if (cross) problems.push(...cross(parsedArgs));
  if (problems.length === 0) return parsedArgs;
  // One line per distinct problem: zod may fail two checks of one field with one message.
  const lines = [...new Set(problems.map(([f, m]) => `${f} ${m}`))];
  const fields = [...new Set(problems.map(([f]) => f))];
  const message = `${call}: ${lines.join('; ')}`;
  throw new KeycardError('invalid_argument', message, { fields });
}
