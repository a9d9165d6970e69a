/**
 * `createLeakIntakeHandler` (SPEC §15): a secret-scanning partner endpoint. GitHub (or GitLab)
 * POSTs every public match of your token pattern here within seconds of a push; this handler
 * proves the report came from the provider, revokes the live tokens it names, tells their owner
 * through `onLeak`, and answers in the provider's format. Web standards only (edge-safe).
 *
 * The guide — enrolment, what to send the provider, the whole loop — is docs/leaks.md.
 */
import * as z from '../core/shape.ts';
import { configError, english, secureUrlText } from '../core/config.ts';
import { integer, is, oneOf, schema } from '../core/kinds.ts';
import { bounded } from '../core/bounded.ts';
import { KeycardError } from '../core/errors.ts';
import { jsonAnswer, problemAnswer } from '../core/answer.ts';
import { checkKeycard } from '../core/arguments-check.ts';
import type { Keycard } from '../keycard.ts';
import { readBody } from '../core/body.ts';
import { KeyRing } from './keys.ts';
import { answerFor, settleAll, type LeakNotice, type TokenHashEncoding } from './matches.ts';
import { LEAK_INTAKE, type LeakIntakePort } from './port.ts';
import { parseMatches, PROVIDERS, type LeakProvider } from './providers.ts';
import { verifiedByAny } from './signature.ts';

/** Options of {@link createLeakIntakeHandler}. */
export interface LeakIntakeOptions {
  /** Whose reports this endpoint accepts; it picks the headers, the key endpoint and the body fields. */
  readonly provider: LeakProvider;
  /**
   * What fetches the provider's key list. Wrap it to add an `Authorization` header (GitHub
   * rate-limits anonymous calls to 60 an hour; the list is fetched at most once a minute anyway),
   * and pass `init` on: it carries `redirect: 'manual'` and the deadline's signal. An answer your
   * wrapper reached by following a redirect is refused all the same when it is fetch's own
   * `Response` (`redirected` is true); ⚠️ a wrapper that builds a new `Response` hides that.
   * @default globalThis.fetch
   */
  readonly fetch?: typeof fetch;
  /**
   * The provider's public-keys endpoint: whoever answers it decides which reports are genuine, and
   * so which of your tokens get revoked. It must be `https:`; plain `http:` is accepted only on a
   * loopback host (`localhost`, `127.0.0.0/8`, `[::1]`), for local tests. Anything else is
   * `invalid_config` naming `keysUrl`. A redirect from it is never followed: the fetch is sent
   * with `redirect: 'manual'`, and a 3xx answer is a failed key fetch (503, retried).
   * @default GitHub: `https://api.github.com/meta/public_keys/secret_scanning`; GitLab: none,
   * required (GitLab gives it to partners on enrolment).
   */
  readonly keysUrl?: string | undefined;
  /**
   * Called once per token this endpoint revoked, to tell its owner (email, Slack, the settings
   * page). Awaited at most 5 s in total before answering; a throw or rejection is reported through
   * `onError` and never changes the answer. Not called for tokens already revoked or expired.
   */
  readonly onLeak?: (notice: LeakNotice) => unknown;
  /** Where failures go (key list unreachable, store down, `onLeak` threw). @default console.error */
  readonly onError?: (error: unknown) => void;
  /** Bodies over this many bytes are refused with 413 before or while reading. @default 5_242_880 (5 MB) */
  readonly maxBodyBytes?: number;
  /**
   * How the answer writes each token's SHA-256 in `token_hash`. GitHub's docs ask for "the
   * SHA-256 hashed form of the raw token" without naming an encoding; lowercase hex is what
   * partners send and what GitHub's own samples compute. @default 'hex'
   */
  readonly tokenHashEncoding?: TokenHashEncoding;
}

const fn = z.optional(schema(is((v) => typeof v === 'function', 'must be a function')));
const optionsSchema = z.strictObject({
  provider: schema<'github' | 'gitlab'>(oneOf(['github', 'gitlab'])),
  fetch: fn,
  keysUrl: z.optional(secureUrlText()),
  onLeak: fn,
  onError: fn,
  maxBodyBytes: z.optional(schema(integer(1024, 100 * 1024 * 1024))),
  tokenHashEncoding: z.optional(schema(oneOf(['hex', 'base64']))),
});

function validateOptions(options: unknown): asserts options is LeakIntakeOptions {
  const parsed = optionsSchema.safeParse(options, english);
  if (!parsed.success) throw configError('createLeakIntakeHandler', parsed.error);
  if (parsed.data.provider === 'gitlab' && parsed.data.keysUrl === undefined) {
    const why = 'required for gitlab (GitLab gives partners its key endpoint on enrolment)';
    throw new KeycardError('invalid_config', `createLeakIntakeHandler: keysUrl: ${why}`);
  }
}

/** An RFC 9457 problem (src/core/answer.ts: never cached, never sniffed); `detail` never quotes a token or a signature. */
const problem = (status: number, code: string, detail: string, extra?: Record<string, string>): Response =>
  problemAnswer(status, { detail, code }, extra);

/** A 401 with its challenge (RFC 9110 §15.5.2: "MUST send a WWW-Authenticate header field"). */
const unverified = (challenge: string, detail: string) =>
  problem(401, 'unauthenticated', detail, { 'www-authenticate': challenge });
const NOTICE_BOUND_MS = 5_000;

/**
 * Creates the secret-scanning partner endpoint for `keycard`: `(request) => Promise<Response>`.
 *
 * Order of work, each step refusing before the next: POST only (405); the key-id and signature
 * headers (401); the body read once, capped (413); the key and the ECDSA signature over the exact
 * raw bytes (401 — nothing else happens, no store I/O); a JSON array (400); then every match.
 * Answers 200 with one `{ token_hash, token_type, label }` per entry with a string `token`, in
 * order (other entries are left out; see `parseMatches`), or 503 when the
 * store or the provider's key list is unreachable (the provider retries; replays are idempotent).
 *
 * @throws KeycardError `invalid_config` naming every bad option.
 * @example Express, Hono, Next
 * ```ts
 * const intake = createLeakIntakeHandler(keycard, { provider: 'github', onLeak: ({ record, url }) => mailOwner(record.ownerId, url) });
 * // Next: app/api/leaks/route.ts
 * export const POST = intake;
 * // Hono
 * app.mount('/leaks', intake);
 * ```
 */
export function createLeakIntakeHandler(
  keycard: Keycard,
  options: LeakIntakeOptions,
): (request: Request) => Promise<Response> {
  const port = (keycard as unknown as { [LEAK_INTAKE]?: LeakIntakePort } | null)?.[LEAK_INTAKE];
  checkKeycard(keycard, 'createLeakIntakeHandler', '', !!port, options, () => validateOptions(options));
  validateOptions(options);
  const profile = PROVIDERS[options.provider];
  const report =
    options.onError ??
    ((e: unknown) => console.error('keycard leak intake:', e instanceof Error ? `${e.name}: ${e.message}` : e));
  // A reporter that throws must not turn a store outage into a rejected handler (a 500 with a stack).
  const onError = (e: unknown): void => {
    try {
      report(e);
    } catch {
      // dropped: the reporter itself is broken
    }
  };
  const fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const ring = new KeyRing({
    url: options.keysUrl ?? profile.keysUrl!,
    fetch: fetchImpl,
    clock: keycard.clock,
    onError,
  });
  const maxBody = options.maxBodyBytes ?? 5 * 1024 * 1024;
  const encoding = options.tokenHashEncoding ?? 'hex';
  const decoder = new TextDecoder('utf-8', { fatal: true });

  return async (request) => {
    if (request.method !== 'POST')
      return problem(405, 'method_not_allowed', 'Send reports with POST', { allow: 'POST' });
    // Headers first: an unsigned request is refused without reading its body.
    const keyId = request.headers.get(profile.keyIdHeader);
    const signature = request.headers.get(profile.signatureHeader);
    if (!keyId || !signature || keyId.length > 256)
      return unverified(
        profile.challenge,
        `Signed reports carry ${profile.keyIdHeader} and ${profile.signatureHeader}`,
      );
    const read = await readBody(request, maxBody);
    if (read.bytes === null && read.reason === 'unreadable')
      return problem(400, 'invalid_request', 'The body could not be read');
    if (read.bytes === null) return problem(413, 'payload_too_large', `Reports are limited to ${maxBody} bytes`);
    const found = await ring.get(keyId);
    if (found.keys === null) {
      if (found.reason === 'keys_unavailable')
        return problem(503, 'unavailable', "The provider's key list could not be fetched", {
          'retry-after': '60',
        });
      // Not in the list held, and too soon to refetch it: maybe a key published since (a rotation).
      if (found.reason === 'not_refetched')
        return problem(503, 'unavailable', 'Unknown signing key; the key list is refetched soon', {
          'retry-after': String(found.retryAfterSeconds),
        });
      return unverified(profile.challenge, 'Unknown signing key');
    }
    if (!(await verifiedByAny(found.keys, signature, read.bytes)))
      return unverified(profile.challenge, 'The signature does not match the body');

    let parsed;
    try {
      parsed = parseMatches(JSON.parse(decoder.decode(read.bytes)));
    } catch {
      return problem(400, 'invalid_request', 'The body is not UTF-8 JSON');
    }
    if ('error' in parsed) return problem(400, 'invalid_request', parsed.error);

    const notices: Promise<unknown>[] = [];
    let outcomes;
    try {
      outcomes = await settleAll(parsed.matches, {
        keycard,
        port: port!,
        provider: profile.name,
        clock: keycard.clock,
        onLeak: options.onLeak,
        onError,
        notices,
      });
    } catch (e) {
      onError(e);
      return problem(503, 'unavailable', 'The token store is unavailable; retry', {
        'retry-after': '1',
      });
    } finally {
      if (notices.length > 0)
        await Promise.resolve(bounded(() => Promise.allSettled(notices), NOTICE_BOUND_MS, 'onLeak')).catch(onError);
    }
    const answer = parsed.matches.map((m, i) => answerFor(m, outcomes[i]!, encoding));
    return jsonAnswer(answer);
  };
}
