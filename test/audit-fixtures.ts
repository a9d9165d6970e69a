/**
 * Shared fixtures of the audit trail's tests (src/core/audit.test.ts, audit-delivery.test.ts):
 * event builders, a trail over a memory sink, a hanging sink, and a faked clock.
 */
import { vi } from 'vitest';
import {
  AuditTrail,
  memoryAuditSink,
  type AuditOptions,
  type AuditSink,
  type RequestAuditInput,
  type TokenAuditInput,
} from '../src/core/audit.ts';
import type { Clock } from '../src/core/clock.ts';
import type { RequestErrorCode } from '../src/core/errors.ts';

/** A real-looking token: `acme_sk_` + version `1` + 38 base62 characters. */
export const TOKEN = 'acme_sk_1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789ab';
/** A SHA-256 hex digest, what a store keeps instead of the secret. */
export const DIGEST = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
export const GENERATED = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}-[0-9a-z]+$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** 2025-01-01T00:00:00.000Z, the start of a wall-clock second. */
export const T0 = Date.UTC(2025, 0, 1);

/** Reads the faked Date, so that `vi.setSystemTime` and `advanceTimersByTime*` drive it. */
export const clock: Clock = { now: () => Date.now(), monotonic: () => Date.now() };

export const allowed = (over: Partial<RequestAuditInput> = {}): RequestAuditInput => ({
  type: 'request.allowed',
  surface: 'http',
  method: 'GET',
  path: '/v1/tasks',
  requestId: 'req-1',
  tokenId: 'tok_1',
  label: 'ci',
  ownerId: 'u1',
  workspaceId: 'w1',
  ...over,
});

export const denied = (reason: RequestErrorCode, over: Partial<RequestAuditInput> = {}): RequestAuditInput =>
  allowed({ type: 'request.denied', reason, ...over });

export const issued = (over: Partial<TokenAuditInput> = {}): TokenAuditInput => ({
  type: 'token.issued',
  tokenId: 'tok_1',
  label: 'ci',
  ownerId: 'u1',
  workspaceId: 'w1',
  actor: { kind: 'user', id: 'u1' },
  ...over,
});

export function setup(options: Partial<AuditOptions> = {}) {
  const sink = memoryAuditSink();
  const errors: Error[] = [];
  const trail = new AuditTrail({ sinks: [sink], onError: (e) => errors.push(e), clock, ...options });
  return { sink, errors, trail };
}

/** Runs every microtask and every timer due now, without moving the clock. */
export const settle = () => vi.advanceTimersByTimeAsync(0);

/** A sink whose writes never settle. */
export const hanging = (): AuditSink & { calls: number } => {
  const sink = {
    calls: 0,
    write() {
      sink.calls++;
      return new Promise<void>(() => {});
    },
  };
  return sink;
};

/** Fakes timers from `T0 + 100` for each test of the calling file. */
export function useFakeAuditTime(hooks: { beforeEach(fn: () => void): void; afterEach(fn: () => void): void }): void {
  hooks.beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0 + 100);
  });
  hooks.afterEach(() => {
    vi.useRealTimers();
  });
}
