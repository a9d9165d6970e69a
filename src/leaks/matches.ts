/**
 * What happens to each match of a verified report (SPEC §15): the offline check, the lookup, the
 * revocation, the owner's notification, and the label the provider gets back.
 */
import { sha256Hex } from '#hash';
import type { Clock } from '../core/clock.ts';
import type { TokenRecord } from '../core/store.ts';
import { redact } from '../core/redact.ts';
import { validateToken } from '../core/token.ts';
import type { Keycard } from '../keycard.ts';
import { revokeOffspring, type Root } from './offspring.ts';
import type { LeakIntakePort, LeakReport } from './port.ts';

type Report = LeakReport & { readonly provider: LeakProvider };
import type { LeakProvider, ReportedMatch } from './providers.ts';
import { toBase64 } from './signature.ts';

/**
 * What became of one reported token:
 * - `malformed`: wrong prefix, type, length, alphabet or CRC; answered without store I/O.
 * - `unknown`: well-formed but not one of ours (another deployment, a forged checksum).
 * - `revoked`: it was live and this report revoked it.
 * - `already_revoked`: it was revoked before (by its owner, an earlier delivery, another process).
 * - `expired`: past its expiry, so already unusable; left as it is.
 */
export type MatchOutcome = 'malformed' | 'unknown' | 'revoked' | 'already_revoked' | 'expired';

/**
 * What `onLeak` receives: the record (never the secret) and where the provider found it. `via` is
 * set when `record` was not reported itself but minted or rotated into by the reported token (its id).
 */
export interface LeakNotice {
  readonly record: TokenRecord;
  readonly via?: string;
  readonly url: string;
  readonly source: string;
  readonly type: string;
  readonly provider: LeakProvider;
}

/** How the SHA-256 of each token is written in the answer's `token_hash`. */
export type TokenHashEncoding = 'hex' | 'base64';

/** One element of the answer, in GitHub's feedback format. */
export interface LeakAnswer {
  readonly token_hash: string;
  readonly token_type: string;
  readonly label: 'true_positive' | 'false_positive';
}

interface Context {
  readonly keycard: Keycard;
  readonly port: LeakIntakePort;
  readonly provider: LeakProvider;
  readonly clock: Clock;
  readonly onLeak: ((notice: LeakNotice) => unknown) | undefined;
  readonly onError: (error: unknown) => void;
  /** Promises of the `onLeak` calls started, awaited (bounded) before answering. */
  readonly notices: Promise<unknown>[];
}

const CONCURRENCY = 8;

async function settle(match: ReportedMatch, ctx: Context, roots: Root<Report>[]): Promise<MatchOutcome> {
  if (!validateToken(match.token, ctx.port.format)) return 'malformed';
  const found = await ctx.port.findBySecret(match.token);
  if (found === null) return 'unknown';
  // Masked once, as the audit event is (SPEC §7): a report's URL may hold another live secret.
  const report = {
    provider: ctx.provider,
    type: redact(match.type),
    url: redact(match.url),
    source: redact(match.source),
  };
  const outcome = await settleFound(found, report, ctx);
  if (outcome !== 'unknown') roots.push({ record: found, report });
  return outcome;
}

async function settleFound(found: TokenRecord, report: Report, ctx: Context): Promise<MatchOutcome> {
  // A revocation of ours whose answer was lost is settled again, to be announced (see pendingLeak).
  const pending = found.revokedAt !== null && ctx.port.pendingLeak(found.id);
  if (found.revokedAt !== null && !pending) return 'already_revoked';
  if (!pending && found.expiresAt !== null && ctx.clock.now() >= found.expiresAt) return 'expired';
  const r = await ctx.port.revokeLeaked(found.id, report);
  if (r === null) return 'unknown';
  if (!r.revokedNow) return 'already_revoked';
  notify(ctx, { record: r.record, ...report });
  return 'revoked';
}

/** Guarded: a throwing or rejecting onLeak is reported, never fails the answer. */
function notify(ctx: Context, notice: LeakNotice): void {
  const onLeak = ctx.onLeak;
  if (onLeak)
    ctx.notices.push(
      Promise.resolve()
        .then(() => onLeak(notice))
        .catch(ctx.onError),
    );
}

/**
 * Settles every match, each distinct token once (a token reported twice in one body is looked up
 * and revoked once), at most {@link CONCURRENCY} store round trips at a time. Rejects when the
 * store fails: the caller answers 503 so the provider retries, which is safe because settling is
 * idempotent (a revoked token stays revoked and is not announced twice).
 */
export async function settleAll(matches: readonly ReportedMatch[], ctx: Context): Promise<MatchOutcome[]> {
  const byToken = new Map<string, ReportedMatch>();
  for (const m of matches) if (!byToken.has(m.token)) byToken.set(m.token, m);
  const unique = [...byToken.values()];
  const outcomes = new Map<string, MatchOutcome>();
  const roots: Root<Report>[] = [];
  let next = 0;
  const worker = async () => {
    while (next < unique.length) {
      const m = unique[next++]!;
      outcomes.set(m.token, await settle(m, ctx, roots));
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, unique.length) }, worker));
  // Whoever held a secret could mint with it or rotate it: what it made dies too (offspring.ts).
  await revokeOffspring(ctx.keycard, ctx.port, roots, (record, report, via) => notify(ctx, { record, ...report, via }));
  return matches.map((m) => outcomes.get(m.token)!);
}

const hexToBytes = (hex: string) =>
  Uint8Array.from({ length: hex.length / 2 }, (_, i) => Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16));

/**
 * The answer for one match: `token_hash` is the SHA-256 of the token string's UTF-8 bytes (never
 * the token: `token_raw` is never sent), `true_positive` for a token of ours in any state.
 */
export function answerFor(match: ReportedMatch, outcome: MatchOutcome, encoding: TokenHashEncoding): LeakAnswer {
  const hex = sha256Hex(match.token);
  return {
    token_hash: encoding === 'hex' ? hex : toBase64(hexToBytes(hex)),
    token_type: match.type,
    label: outcome === 'malformed' || outcome === 'unknown' ? 'false_positive' : 'true_positive',
  };
}
