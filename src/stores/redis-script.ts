/**
 * Running keycard's Lua scripts through a {@link RedisPort}: one `EVALSHA` per call, the SHA-1
 * computed here (so the first call needs no `SCRIPT LOAD`), a script missing after a restart,
 * a failover or a `SCRIPT FLUSH` (`NOSCRIPT`) loaded and retried once, transparently, and every
 * call bounded by a deadline that fails closed.
 */
import { sha1 } from '@noble/hashes/legacy.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { KeycardError } from '../core/errors.ts';
import type { RedisArg, RedisPort } from './redis-port.ts';
import { freeze } from '../core/builtins.ts';

/** A Lua script and its SHA-1, the name `EVALSHA` knows it by. */
export interface RedisScript {
  /** For error messages: `Redis limiter`, `Redis token store revoke`, … */
  readonly name: string;
  readonly lua: string;
  readonly sha: string;
}

/** Declares a script; its SHA-1 is the server's name for it. */
export function redisScript(name: string, lua: string): RedisScript {
  return freeze({ name, lua, sha: bytesToHex(sha1(utf8ToBytes(lua))) });
}

/** Loads in flight per port, so 200 requests that all meet `NOSCRIPT` load the script once. */
const loading = new WeakMap<RedisPort, Map<string, Promise<string>>>();

function load(port: RedisPort, script: RedisScript): Promise<string> {
  let inFlight = loading.get(port);
  if (!inFlight) loading.set(port, (inFlight = new Map()));
  let p = inFlight.get(script.sha);
  if (!p) {
    const map = inFlight;
    p = port.scriptLoad(script.lua).finally(() => map.delete(script.sha));
    map.set(script.sha, p);
  }
  return p;
}

/** True for the server's "no such script" answer, whichever driver wrapped it. */
export function isNoScript(error: unknown): boolean {
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  return message.startsWith('NOSCRIPT') || message.includes(' NOSCRIPT ');
}

/**
 * `EVALSHA` the script; on `NOSCRIPT`, `SCRIPT LOAD` it and retry once. The whole exchange is
 * bounded by `timeoutMs`; a failure or the deadline rejects with `KeycardError('unavailable')`
 * (a 503, fail closed) carrying the driver's error as `cause`.
 */
export function runScript(
  port: RedisPort,
  script: RedisScript,
  keys: readonly string[],
  args: readonly RedisArg[],
  timeoutMs: number,
): Promise<unknown> {
  return bounded(evalScript(port, script, keys, args), timeoutMs, script.name);
}

/** `EVALSHA` the script; on `NOSCRIPT`, `SCRIPT LOAD` it and retry once. Unbounded: the caller sets the deadline. */
export function evalScript(
  port: RedisPort,
  script: RedisScript,
  keys: readonly string[],
  args: readonly RedisArg[],
): Promise<unknown> {
  return port.evalsha(script.sha, keys, args).then(undefined, (e: unknown) => {
    if (!isNoScript(e)) throw e;
    return load(port, script).then((sha) => port.evalsha(sha, keys, args));
  });
}

/** Bounds a port call by `ms`: a rejection or the deadline becomes `KeycardError('unavailable')`. */
export function bounded<T>(call: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KeycardError('unavailable', `${what} timed out after ${ms} ms`)), ms);
  });
  // The losing side of the race may still settle later; it must not become an unhandled rejection.
  call.catch(() => {});
  return Promise.race([call, deadline]).then(
    (value) => {
      clearTimeout(timer);
      return value;
    },
    (e: unknown) => {
      clearTimeout(timer);
      throw storeFailure(what, e);
    },
  );
}

/**
 * Redis's answers to a write it refused outright: `OOM` (maxmemory reached under `noeviction`),
 * `READONLY` (a replica) and `MISCONF` (a failed snapshot). Redis 7 raises them to a script at
 * its first write and never after one (a script that wrote runs to its end), so nothing was
 * written.
 */
const REFUSED = /^(OOM|READONLY|MISCONF)\b/;

/**
 * A failed call as `KeycardError('unavailable')` with the driver's error as `cause`: `reason:
 * 'store_refused'` when Redis refused the write (answered at once, never settled as a lost
 * answer); an `unavailable` (a deadline) passes as it is.
 */
export function storeFailure(what: string, e: unknown): KeycardError {
  if (e instanceof KeycardError && e.code === 'unavailable') return e;
  const refused = REFUSED.exec(e instanceof Error ? e.message : '');
  return refused
    ? new KeycardError('unavailable', `${what} refused: ${refused[1]}`, { cause: e, reason: 'store_refused' })
    : new KeycardError('unavailable', `${what} failed`, { cause: e });
}
