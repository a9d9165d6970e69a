/**
 * What the later-charge tests share (chargeLater, src/core/first-pass.ts): a catalogue whose
 * `export` implies `read`, a rate limit split by class (a write's budget of 1 behind a read's of
 * 100), and a memory limiter whose charges of one class fail.
 */
import { defineScopes, memoryLimiter, type LimiterStore, type MemoryLimiterOptions } from '../src/index.ts';

export const scopes = defineScopes({ read: {}, export: { implies: ['read'] } });
export const SPLIT = { read: { limit: 100, window: 60 }, write: { limit: 1, window: 60 } };

/**
 * A memory limiter (made with `options`) whose charges of the `failing` class throw, reject or
 * never answer as `how` says ('none': every charge goes through to it).
 */
export function limiterFailing(
  failing: 'read' | 'write',
  how: 'throw' | 'reject' | 'hang' | 'none',
  options: MemoryLimiterOptions = {},
): LimiterStore {
  const inner = memoryLimiter(options);
  return {
    consume(key, limit, windowSeconds) {
      if (!key.endsWith(`:${failing}`) || how === 'none') return inner.consume(key, limit, windowSeconds);
      if (how === 'throw') throw new Error('limiter down');
      if (how === 'reject') return Promise.reject(new Error('limiter down'));
      return new Promise(() => {});
    },
  };
}
