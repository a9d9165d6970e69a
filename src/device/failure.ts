/**
 * When a dependency of the device routes fails (guard.ts), the login fails closed and says so in
 * each route's own language: RFC 6749-style JSON `temporarily_unavailable` for the program's
 * routes, an HTML page for the person's, both 503 with `Retry-After` (RFC 9110 §10.2.3). The
 * failure is reported once to `onError`. A failed call writes nothing: each route's one write is
 * its last store call, so a 503 leaves the grant as it was and the next attempt carries on.
 */
import { isKeycardError } from '../core/errors.ts';
import { html, json, type DeviceContext } from './context.ts';
import { layout, message } from './page.ts';

const UNAVAILABLE = 'Device login is unavailable; try again shortly';
const FAILED = 'Device login failed';

/** The program's 503 (RFC 6749 §5.2 shape); it polls again after `interval` seconds anyway. */
export const unavailableJson = (retryAfter: number): Response =>
  json(
    503,
    { error: 'temporarily_unavailable', error_description: UNAVAILABLE },
    { 'Retry-After': String(retryAfter) },
  );

/**
 * The answer to an error that reached a route: reported once; an outage is 503, anything else
 * (a bug) 500. The page never shows the error: no message, no stack.
 */
export function failureAnswer(
  error: unknown,
  kind: 'json' | 'page',
  ctx: Pick<DeviceContext, 'report' | 'interval' | 'options'>,
): Response {
  ctx.report(error);
  return failed(isKeycardError(error) && error.code === 'unavailable', kind, ctx);
}

/** The answer to a failure already reported (the management handler's `can`, context.ts): an outage 503, else 500. */
export function failed(
  outage: boolean,
  kind: 'json' | 'page',
  ctx: Pick<DeviceContext, 'interval' | 'options'>,
): Response {
  if (outage && kind === 'json') return unavailableJson(ctx.interval);
  if (kind === 'json') return json(500, { error: 'server_error', error_description: FAILED });
  const [status, title, text] = outage ? [503, 'Try again shortly', UNAVAILABLE] : [500, 'Error', FAILED];
  const headers: Record<string, string> = outage ? { 'Retry-After': String(ctx.interval) } : {};
  return html(status, layout(title, message(`${text}.`, 'alert'), ctx.options.css), headers);
}
