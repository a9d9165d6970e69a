/**
 * The HTTP half of `deviceLogin`: one form POST with a deadline, its reply read incrementally and
 * no further than {@link MAX_REPLY_BYTES}, and the failure of a request told apart from a reply.
 */
import { readCapped } from '../client/answer.ts';

/**
 * The most of one reply `deviceLogin` reads, in bytes (after any `content-encoding` is undone, so
 * a compressed bomb is cut too): 64 KiB. A device-flow reply is a few hundred bytes (RFC 8628
 * §3.2, §3.5); a server streaming more is broken or hostile, and is not read to the end.
 */
export const MAX_REPLY_BYTES = 65_536;

/** A reply: its status and JSON object body (`{}` when not a JSON object), or `tooLarge` past the cap. */
export interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
  /** True when the reply passed {@link MAX_REPLY_BYTES}; `body` is then `{}` and the rest was never read. */
  readonly tooLarge: boolean;
}

/** A signal that aborts after `ms`, or when the caller's `signal` does. */
export const deadline = (ms: number, signal: AbortSignal | undefined): AbortSignal =>
  signal ? AbortSignal.any([signal, AbortSignal.timeout(ms)]) : AbortSignal.timeout(ms);

/** True for the rejection of a request whose deadline passed (`AbortSignal.timeout`'s reason). */
export const isTimeout = (error: unknown): boolean => error instanceof Error && error.name === 'TimeoutError';

/**
 * One form POST, its body read within the same `signal` (a server may stall after the headers)
 * and at most {@link MAX_REPLY_BYTES} of it. Rejects only when no reply came: the request failed
 * or the `signal` aborted.
 */
export async function post(doFetch: typeof fetch, url: string, body: URLSearchParams, signal: AbortSignal) {
  const r = await doFetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body,
    signal,
    // Never followed: a 307 or 308 would send the body (the device code) wherever Location points,
    // and a 301, 302 or 303 would take another server's answer as this one's. The caller refuses a 3xx.
    redirect: 'manual',
  });
  let text: string | null;
  try {
    text = await readCapped(r, MAX_REPLY_BYTES);
  } catch (error) {
    // The deadline or the caller stopped the read: not an answer.
    if (signal.aborted) throw signal.reason ?? error;
    text = ''; // The connection broke mid-body: an unusable answer, reported with the status.
  }
  if (text === null) return { status: r.status, body: {}, tooLarge: true } satisfies Reply;
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: reported with the status by the caller.
  }
  const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  return {
    status: r.status,
    body: isObject ? (parsed as Record<string, unknown>) : {},
    tooLarge: false,
  } satisfies Reply;
}
