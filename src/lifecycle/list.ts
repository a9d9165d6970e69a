/** `list`, `get` and `invalidateOwner` (SPEC §6): reads, and the owner-cache fan-out. */
import { toRecord } from '../core/records.ts';
import type { TokenRecord } from '../core/store.ts';
import type { LifecycleContext } from './context.ts';
import type { ListFilter } from './types.ts';

/** One page of token records. */
export async function list(
  ctx: LifecycleContext,
  given: ListFilter = {},
): Promise<{ readonly records: readonly TokenRecord[]; readonly nextCursor: string | null }> {
  const { args, store, clock, call } = ctx;
  const filter = args.list(given); // what the check read: its limit is the one the store is asked for
  const limit = filter.limit ?? 100;
  const status = filter.status ?? 'all';
  const page = await call('Token store list', () =>
    store.list({
      ...(filter.ownerId !== undefined ? { ownerId: filter.ownerId } : {}),
      ...(filter.workspaceId !== undefined ? { workspaceId: filter.workspaceId } : {}),
      ...(filter.kind !== undefined ? { kind: filter.kind } : {}),
      status,
      now: clock.now(),
      limit,
      cursor: filter.cursor ?? null,
    }),
  );
  return { records: page.tokens.map(toRecord), nextCursor: page.nextCursor };
}

/** One token record, or null. */
export async function get(ctx: LifecycleContext, id: string): Promise<TokenRecord | null> {
  const { args, store, call } = ctx;
  args.get(id);
  const t = await call('Token store read', () => store.get(id));
  return t ? toRecord(t) : null;
}

/** Forgets cached owner answers for `principalId` here and in every process sharing the store. */
export async function invalidateOwner(ctx: LifecycleContext, principalId: string): Promise<void> {
  const { args, store, owners, emitter, call } = ctx;
  args.invalidateOwner(principalId);
  owners?.invalidate(principalId);
  emitter.emit('owner.gone', { principalId, workspaceId: null, status: 'invalidated' });
  await call('Token store announce', () => store.announceOwner(principalId));
}
