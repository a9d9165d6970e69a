/**
 * A leaked token's offspring (SPEC §15): whoever held the leaked secret could mint tokens with it
 * (a management token) or rotate it into a successor, and those secrets are theirs too. They are
 * the tokens whose `createdBy` is its id, and theirs in turn; a token a person made (the settings
 * page, a user's rotation) is not among them.
 */
import type { TokenRecord } from '../core/store.ts';
import type { Keycard } from '../keycard.ts';
import type { LeakIntakePort, LeakReport } from './port.ts';

/** A reported token of ours (any state) and the report that named it. */
export interface Root<R extends LeakReport> {
  readonly record: TokenRecord;
  readonly report: R;
}

/**
 * Revokes as leaked every live token each root minted or rotated into, and theirs, through revoked
 * or expired links too, whatever the root's own state, with the root's report and `via` its id;
 * `revoked` hears each this call revoked as it lands (a later store failure must not lose its
 * notice: the retry finds it revoked and tells no one). A token only mints for its own owner and kind
 * (src/lifecycle/grants.ts), so the owner's tokens of that kind hold them all: one listing per
 * owner and kind per pass, however many of its tokens the delivery names.
 */
export async function revokeOffspring<R extends LeakReport>(
  keycard: Keycard,
  port: LeakIntakePort,
  roots: readonly Root<R>[],
  revoked: (record: TokenRecord, report: R, via: string) => void,
): Promise<void> {
  const groups = new Map<string, Root<R>[]>();
  for (const r of roots) add(groups, `${r.record.kind}\n${r.record.ownerId}`, r);
  const seen = new Set<string>();
  for (const group of groups.values()) {
    // Again until a pass finds none: a token minted by an offspring not yet revoked while a pass ran
    // (after its page was read) is found by the next one, and one minted after is refused.
    for (let found; (found = await due(keycard, port, group, seen)).length > 0;) {
      for (const { record, root } of found) {
        seen.add(record.id);
        const r = await port.revokeLeaked(record.id, root.report, root.record.id);
        if (r?.revokedNow) revoked(r.record, root.report, root.record.id);
      }
    }
  }
}

/** Appends `value` to `key`'s list (a group-by in linear time). */
const add = <V>(map: Map<string, V[]>, key: string, value: V): void => {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
};

/**
 * The group's offspring not yet `seen` (each with the first root it descends from): live, or
 * revoked as leaked by this process with the answer lost (announced now).
 */
async function due<R extends LeakReport>(keycard: Keycard, port: LeakIntakePort, group: Root<R>[], seen: Set<string>) {
  const { ownerId, kind } = group[0]!.record;
  const children = new Map<string, TokenRecord[]>();
  let cursor: string | null = null;
  do {
    const page: Awaited<ReturnType<Keycard['list']>> = await keycard.list({ ownerId, kind, limit: 500, cursor });
    for (const t of page.records) if (t.createdBy !== null) add(children, t.createdBy, t);
    cursor = page.nextCursor;
  } while (cursor);
  const now = keycard.clock.now();
  const rootOf = new Map<string, Root<R>>(group.map((r) => [r.record.id, r]));
  const found = [];
  for (const [id, root] of rootOf) {
    for (const t of children.get(id) ?? []) {
      if (rootOf.has(t.id)) continue;
      rootOf.set(t.id, root); // visited once: appended, so this loop reaches its children too
      const live = t.revokedAt === null ? t.expiresAt === null || t.expiresAt > now : port.pendingLeak(t.id);
      if (live && !seen.has(t.id)) found.push({ record: t, root });
    }
  }
  return found;
}
