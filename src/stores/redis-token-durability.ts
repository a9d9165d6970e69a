/** The start-up check that the Redis server keeping token records persists them (`appendonly`). */
import type { RedisPort } from './redis-port.ts';
import { bounded } from './redis-script.ts';
import { isArray } from '../core/builtins.ts';

/** Warns when the server would lose records on restart; tolerates `CONFIG` being disabled. */
export async function checkDurability(
  port: RedisPort,
  timeoutMs: number,
  warn: (message: string) => void,
): Promise<void> {
  const advice =
    'Keep token records in Postgres (keycard/postgres) and use Redis for rate limits and invalidation, or run Redis with appendonly yes and appendfsync always.';
  if (!port.command) return;
  let value: string | undefined;
  try {
    value = appendonlyOf(await bounded(port.command(['CONFIG', 'GET', 'appendonly']), timeoutMs, 'Redis CONFIG GET'));
  } catch {
    value = undefined;
  }
  if (value === 'yes') return;
  if (value === undefined) {
    warn(
      `keycard: could not read the Redis server's appendonly setting (CONFIG is disabled or failed); without it a restart loses tokens and revocations. ${advice}`,
    );
    return;
  }
  warn(
    `keycard: Redis holds token records but runs with appendonly ${value}: a restart loses every token issued and every revocation since the last snapshot. ${advice}`,
  );
}

/** `CONFIG GET appendonly` answers `['appendonly', 'no']` (RESP2) or `{ appendonly: 'no' }` / a Map (RESP3). */
function appendonlyOf(reply: unknown): string | undefined {
  if (isArray(reply)) return reply[1] === undefined ? undefined : String(reply[1]);
  if (reply instanceof Map) return reply.has('appendonly') ? String(reply.get('appendonly')) : undefined;
  if (typeof reply === 'object' && reply !== null && 'appendonly' in reply)
    return String((reply as { appendonly: unknown }).appendonly);
  return undefined;
}
