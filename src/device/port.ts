/**
 * The internal door from the device routes (SPEC §13) into a keycard instance, carried under a
 * symbol, non-enumerable, like the leak intake's (src/leaks/port.ts). An approved device login is
 * issued when the program next polls, which may be minutes after the person approved; a
 * `revokeAll` of the approver in between ("member left", SPEC §3) must cover that token, so it is
 * issued as of the approval: its `createdAt` is the approval instant, and the store's revokeAll
 * watermark then revokes it on every store, across processes. Backdating is no public option: it
 * would lengthen what `rotate` copies (the lifetime counts from `createdAt`).
 */
import type { IssuedToken, IssueInput } from '../lifecycle/types.ts';

/** The property key of {@link DeviceIssue} on a keycard instance. */
export const DEVICE_ISSUE: unique symbol = Symbol.for('keycard.deviceIssue');

/**
 * `issue`, with the token created at `authorizedAt` (the person's approval; held within the hour
 * before now, a value that is no finite number counting as that hour's start): a
 * revokeAll whose watermark is later covers it, and the call throws `token_revoked`.
 */
export type DeviceIssue = (input: IssueInput<string>, authorizedAt: number) => Promise<IssuedToken>;
