/**
 * Writes whose answer never came. A store call that timed out or lost its connection may still
 * run: a paused server runs the command on its socket when it resumes, and a database commits a
 * statement its client stopped waiting for. For `issue` that would leave a live token whose secret
 * nobody got, and for `rotate` an old token cut over after the caller was told nothing rotated.
 * Before answering an error, the lifecycle asks the store, a few times, what happened.
 */
import { DEFAULT_STORE_TIMEOUT_MS } from '../core/bounded.ts';
import { KeycardError } from '../core/errors.ts';
import { PATCHABLE_FIELDS, type StoredToken, type UpdateResult } from '../core/store.ts';
import type { LifecycleContext } from './context.ts';
import { isArray, stringify } from '../core/builtins.ts';

/**
 * The outcome is asked for every 100 ms for as long as five tries that each wait the whole
 * `storeTimeoutMs` would take (3 s at the defaults), so a store that refuses at once (a server
 * restarting) is given as long as one that hangs.
 */
const SETTLE_TRIES = 5;
const SETTLE_PAUSE_MS = 100;

/** Whether to ask again: true for the first `SETTLE_TRIES` tries, then until the time is used. */
const asker = (ctx: LifecycleContext) => {
  const end = Date.now() + SETTLE_TRIES * ((ctx.options.storeTimeoutMs ?? DEFAULT_STORE_TIMEOUT_MS) + SETTLE_PAUSE_MS);
  let tries = 0;
  return () => ++tries <= SETTLE_TRIES || Date.now() < end;
};

const pause = () =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, SETTLE_PAUSE_MS);
    (t as { unref?: () => void }).unref?.();
  });

/**
 * Whether `error` leaves the outcome of a write unknown (a timeout, an outage), not a refusal:
 * a store's `unavailable` with `reason: 'store_refused'` says the write was refused outright.
 */
export const unknownOutcome = (error: unknown) =>
  error instanceof KeycardError && error.code === 'unavailable' && error.reason !== 'store_refused';

/**
 * Stores `stored`, and when the answer is lost, learns whether it landed: the same record is
 * created again (ids are random, so finding it under its id with its hash means our own earlier
 * call; a store holding it answers `conflict`, Redis's create answers `ok`). Still unknown after
 * the tries: the token is revoked, best effort (on one Redis connection that revoke runs after
 * the create, whenever it runs), and the first error is thrown.
 */
export async function createSettled(ctx: LifecycleContext, stored: StoredToken): Promise<void> {
  const create = () => ctx.call('Token store create', () => ctx.store.create(stored));
  let first: unknown;
  const again = asker(ctx);
  for (let i = 0; i === 0 || again(); i++) {
    if (i > 0) await pause();
    try {
      await create();
      return;
    } catch (error) {
      if (i === 0) first = error;
      if (unknownOutcome(error)) continue;
      // A refusal of the first try is the answer; of a later one, `conflict` may be our own record.
      if (i === 0 || (error as KeycardError).code !== 'conflict') throw first;
      // A read that fails (thrown at once by a synchronous store, or rejected) leaves it open: ask again.
      let found;
      try {
        found = await ctx.call('Token store read', () => ctx.store.get(stored.id));
      } catch {
        continue;
      }
      if (found === undefined) continue; // a custom store's "no answer"
      if (found?.hash === stored.hash) return;
      throw first;
    }
  }
  await abandon(ctx, stored.id, 'issue failed in the store');
  throw first;
}

/**
 * The outcome of a rotation's claim (`update(old.id, { expiresAt: until }, old.version)`) whose
 * answer was lost. A fence, the same update of `expiresAt` to the value read, at the same
 * version, decides it for good: if the fence applies, the claim never can (and the old token is
 * as it was, `'fenced'`); if it conflicts, the record now says whether the claim landed (one
 * version further, `expiresAt` = `until`, every other field an update can change as it was:
 * answered as the claim's success) or another call changed
 * the token (answered as the claim's conflict). Still unknown after the tries, or another
 * failure: `'unknown'`.
 */
export async function settleClaim(
  ctx: LifecycleContext,
  old: StoredToken,
  until: number,
): Promise<UpdateResult | 'fenced' | 'unknown'> {
  for (const again = asker(ctx); again();) {
    await pause();
    try {
      const fence = await ctx.call('Token store update', () =>
        ctx.store.update(old.id, { expiresAt: old.expiresAt }, old.version),
      );
      if (fence.ok) return 'fenced';
      const now = fence.reason === 'conflict' && (await ctx.call('Token store read', () => ctx.store.get(old.id)));
      if (!now) return { ok: false, reason: 'not_found' };
      return now.version === old.version + 1 && now.expiresAt === until && now.revokedAt === null && sameElse(now, old)
        ? { ok: true, token: now }
        : { ok: false, reason: 'conflict' };
    } catch (error) {
      if (!unknownOutcome(error)) return 'unknown';
    }
  }
  return 'unknown';
}

/** JSON with object keys sorted: the same value whatever order a store keeps keys in (jsonb sorts them). */
const canonical = (v: unknown): string =>
  isArray(v)
    ? `[${v.map(canonical).join(',')}]`
    : v !== null && typeof v === 'object'
      ? `{${Object.keys(v)
          .sort()
          .map((k) => `${stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
          .join(',')}}`
      : String(stringify(v));

/**
 * Whether `now` holds what `old` held in every field an update can change but `expiresAt`: so the
 * version step was the claim's (which sets `expiresAt` alone), not another update's. With a grace
 * past the token's remaining life the claim asks for the expiry the token already has, and a
 * narrowing of that version (scopes taken away) would otherwise pass for it.
 */
function sameElse(now: StoredToken, old: StoredToken): boolean {
  const rest = (t: StoredToken) => PATCHABLE_FIELDS.filter((f) => f !== 'expiresAt').map((f) => t[f]);
  return canonical(rest(now)) === canonical(rest(old));
}

/**
 * Revokes a token whose secret was never handed out. A revoke whose outcome is unknown is asked
 * again as a lost create is (a client without an offline queue refuses it unsent while its server
 * restarts: one try left the token live); a refusal, or no answer after the tries, is swallowed:
 * the caller's error is the answer, and the secret was never returned either way.
 */
export async function abandon(ctx: LifecycleContext, id: string, reason: string): Promise<void> {
  for (const again = asker(ctx); ; await pause())
    try {
      return void (await ctx.call('Token store revoke', () => ctx.store.revoke(id, ctx.clock.now(), reason)));
    } catch (error) {
      if (!unknownOutcome(error) || !again()) return;
    }
}
