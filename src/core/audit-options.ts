/**
 * The options of an {@link AuditTrail} (`audit-trail.ts`): their type, defaults and the one schema
 * that validates them at construction.
 */
import * as z from './shape.ts';
import type { AuditSink } from './audit.ts';
import type { Clock } from './clock.ts';
import { integer, is, list, schema } from './kinds.ts';

/** The options of an {@link AuditTrail}. Validated once, at construction. */
export interface AuditOptions {
  /** Where events go, in this order. An empty list turns the trail into a no-op. */
  sinks: readonly AuditSink[];
  /**
   * Max queued request events. When the queue is full, new request events are dropped, counted
   * in `dropped` and reported (the count, at most about once a second) through `onError`.
   * Management events do not use the queue. An integer from 1 to 1,000,000.
   * @default 10000
   */
  queueSize?: number;
  /**
   * How long a sink write (or close) may take before keycard stops waiting and reports it. A
   * request sink still busy past this is skipped until that write settles (reported when it
   * recovers). An integer number of milliseconds from 1 to 2³¹ − 1.
   * @default 1000
   */
  timeoutMs?: number;
  /**
   * Receives sink failures, timeouts and overflow counts: a `KeycardError` with code
   * `'unavailable'` whose message says what, never a token (it is redacted). Repeated failures
   * of one sink are reported at most about once a second, with the count of the others. If it
   * throws, the error is swallowed: reporting must not break delivery.
   */
  onError: (error: Error) => void;
  /** `now()` stamps events and defines the coalescing second; `monotonic()` throttles reports. */
  clock: Clock;
}

/** The default bound of the request queue (SPEC §7). */
export const DEFAULT_AUDIT_QUEUE_SIZE = 10_000;

/** The default time a sink write is awaited (SPEC §7: 1 s). */
export const DEFAULT_AUDIT_TIMEOUT_MS = 1_000;

const isSink = (value: unknown): value is AuditSink =>
  typeof value === 'object' && value !== null && typeof (value as { write?: unknown }).write === 'function';

const isClock = (value: unknown): value is Clock =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { now?: unknown }).now === 'function' &&
  typeof (value as { monotonic?: unknown }).monotonic === 'function';

/** An audit sink: an object with a `write(event)` method (also `createKeycard`'s `audit`). */
export const sinkKind = is(isSink, 'must be an AuditSink: an object with a write(event) method');
/** A clock: `now()` and `monotonic()` (also `createKeycard`'s `clock`). */
export const clockKind = is(isClock, 'must be a Clock: { now(), monotonic() }');

const QUEUE_MESSAGE = 'must be an integer from 1 to 1000000';
const TIMEOUT_MESSAGE = 'must be an integer number of milliseconds from 1 to 2147483647';

export const optionsSchema = z.strictObject({
  sinks: schema<readonly AuditSink[]>(
    list(sinkKind, {
      error: 'must be an array of AuditSink',
    }),
  ),
  queueSize: z.optional(schema<number>(integer(1, 1_000_000, QUEUE_MESSAGE))),
  timeoutMs: z.optional(schema<number>(integer(1, 2 ** 31 - 1, TIMEOUT_MESSAGE))),
  onError: schema<(error: Error) => void>(is((v) => typeof v === 'function', 'must be a function')),
  clock: schema<Clock>(clockKind),
});
