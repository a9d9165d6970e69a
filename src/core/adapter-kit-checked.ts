/**
 * The helpers `keycard/adapter-kit` exports, as it exports them: the arguments checked, every
 * wrong one named in a KeycardError (`invalid_argument`), where an adapter author's slip (a
 * detail left out, a header map for a decision) was a TypeError from inside them or a wrong answer
 * (`auditPath(undefined)` was "undefined"). keycard's core calls its own functions directly; its
 * adapters, which use these, pay a `typeof` or two per call.
 */
import { checkArguments } from './arguments-check.ts';
import { auditPath as pathOf } from './audit.ts';
import type { AuthRequest } from './auth-types.ts';
import type { KeycardError } from './errors.ts';
import * as http from './http.ts';
import * as limiter from './limiter.ts';
import * as requests from './request-state.ts';
import { nodeRequestUrl as urlOf } from './request-url.ts';
import { describeDenial as denialOf } from './restrictions.ts';
import { describeMissing as missingOf } from './scopes.ts';
import { configError as configErrorOf } from './config.ts';
import { isArray } from './builtins.ts';

const isObject = (v: unknown): v is object => typeof v === 'object' && v !== null;
const STRING = 'a string';

/** {@link http.problem}. */
export function problem(detail: http.ProblemDetail, options?: http.ProblemOptions): http.Problem {
  checkArguments('problem', ['detail', isObject(detail), "a problem detail such as { code: 'invalid_token' }", detail]);
  return http.problem(detail, options);
}

/** {@link limiter.rateLimitHeaders}. */
export function rateLimitHeaders(policy: limiter.LimitPolicy, decision: limiter.LimitDecision): Record<string, string> {
  checkArguments(
    'rateLimitHeaders',
    ['policy', isObject(policy), 'a limit policy { name, limit, windowSeconds }', policy],
    ['decision', isObject(decision), "a limiter's decision", decision],
  );
  return limiter.rateLimitHeaders(policy, decision);
}

/** {@link missingOf describeMissing}: the 403 detail `Token missing scope: a, b`. */
export function describeMissing(missing: readonly string[]): string {
  if (!isArray(missing)) checkArguments('describeMissing', ['missing', false, 'an array of scope names', missing]);
  return missingOf(missing);
}

/** {@link denialOf describeDenial}: the 403 detail `Token not allowed for <type> <id>`. */
export function describeDenial(check: { type: string; id: string }): string {
  const ok = isObject(check) && typeof check.type === 'string' && typeof check.id === 'string';
  checkArguments('describeDenial', ['check', ok, 'a resource { type, id } of strings', check]);
  return denialOf(check);
}

/** {@link configErrorOf configError}: every issue of a failed zod parse in one `invalid_config`. */
export function configError(where: string, error: Parameters<typeof configErrorOf>[1]): KeycardError {
  checkArguments(
    'configError',
    ['where', typeof where === 'string', 'the name of the function called (a string)', where],
    ['error', isArray((error as { issues?: unknown } | null)?.issues), 'a zod error (safeParse().error)', error],
  );
  return configErrorOf(where, error);
}

/** {@link requests.linkRequest}. */
export function linkRequest(request: Request, from: AuthRequest): void {
  if (!isObject(request) || !isObject(from))
    checkArguments(
      'linkRequest',
      ['request', isObject(request), 'a Request', request],
      ['from', isObject(from), 'the checked request (an object with headers)', from],
    );
  requests.linkRequest(request, from);
}

/** {@link urlOf nodeRequestUrl}: null when the parts make no URL honestly. */
export function nodeRequestUrl(protocol: string, host: string | undefined, target: string): string | null {
  if (typeof protocol !== 'string' || typeof target !== 'string' || (host !== undefined && typeof host !== 'string'))
    checkArguments(
      'nodeRequestUrl',
      ['protocol', typeof protocol === 'string', STRING, protocol],
      ['host', host === undefined || typeof host === 'string', 'a string or undefined', host],
      ['target', typeof target === 'string', STRING, target],
    );
  return urlOf(protocol, host, target);
}

/** {@link pathOf auditPath}: the path an audit event records. */
export function auditPath(path: string): string {
  checkArguments('auditPath', ['path', typeof path === 'string', 'a path or URL (a string)', path]);
  return pathOf(path);
}
