/**
 * The one internal door from the leak intake (SPEC §15) into a keycard instance. It is not part of
 * the public API: the intake must find a token by its secret *including revoked ones* (to answer
 * "already revoked" as a true positive) and revoke it with the provider's report in the audit
 * event, and neither belongs on the public `Keycard` interface (a lookup by secret that ignores
 * revocation would be an oracle; the store stays private). The instance carries it under a
 * symbol, non-enumerable, so it never shows up in logs, spreads or `JSON.stringify`.
 */
import type { TokenRecord } from '../core/store.ts';
import type { TokenFormat } from '../core/token.ts';

/** The property key of {@link LeakIntakePort} on a keycard instance. */
export const LEAK_INTAKE: unique symbol = Symbol.for('keycard.leakIntake');

/** What a provider reported about one match, as it appears in the audit event and `token.leaked`. */
export interface LeakReport {
  /** `github` or `gitlab`: also the audit actor's id (kind `system`). */
  readonly provider: string;
  /** The secret type name the provider matched (the name you enrolled). */
  readonly type: string;
  /** Where the token was found (may be empty). */
  readonly url: string;
  /** GitHub's `source` (`content`, `commit`, `issue_comment`, …); empty for GitLab. */
  readonly source: string;
}

/** Internal operations the leak intake needs; see the module comment for why they are hidden. */
export interface LeakIntakePort {
  /** The instance's token format, for the offline `validate()` (prefix, type, CRC). */
  readonly format: TokenFormat;
  /**
   * True when this process sent a leak revocation of token `id` whose answer never came (a store
   * timeout or reset): the store may have committed it unannounced, so a revoked token is settled
   * again rather than answered "already revoked", and {@link revokeLeaked} announces it if the
   * revocation it finds is that one (same instant). Process-local: a retry reaching another
   * process cannot tell it from an earlier delivery's.
   */
  pendingLeak(id: string): boolean;
  /** The record of `secret` whatever its status (revoked, expired), read from the store; null when unknown. */
  findBySecret(secret: string): Promise<TokenRecord | null>;
  /**
   * Revokes token `id` with reason `leaked`, actor `{ kind: 'system', id: report.provider }`, the
   * report in the audit event, and fires `token.revoked` and `token.leaked` (with `via` when given:
   * the reported token `id` descends from). `revokedNow` is false when the token was already
   * revoked (nothing is audited or fired then); null when it is gone.
   */
  revokeLeaked(
    id: string,
    report: LeakReport,
    via?: string,
  ): Promise<{ readonly record: TokenRecord; readonly revokedNow: boolean } | null>;
}
