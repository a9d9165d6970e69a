/**
 * `deviceLogin`: a terminal's half of the device authorization grant (RFC 8628 §3.1–3.5). It asks
 * the server for codes, prints the page and the user code (never the device code: that one is
 * the program's secret), opens a browser only where a person sits at this screen, and polls at
 * the server's interval, however long, 5 s slower after each `slow_down` (RFC 8628 §3.5: the
 * client MUST wait at least `interval` seconds).
 *
 * The server's numbers are bounded here, so a broken or hostile server cannot park the terminal:
 * the waits add up to at most `expires_in` or {@link MAX_LOGIN_WAIT_S}, whichever is smaller. A
 * poll that would come at or after that bound is not sent (nor is a wait shortened to fit one in):
 * the login fails with `expired_token` at once, and a code answer whose `interval` is not shorter
 * than that bound is refused before anything is printed. No reply is read past
 * {@link MAX_REPLY_BYTES}, and the browser opener is never waited for.
 */
import { hostname } from 'node:os';
import { KeycardError } from '../core/errors.ts';
import { excerpt } from '../core/redact.ts';
import { isLoopbackHost, parseUrl } from '../core/url.ts';
import { failureCode, isRedirect, printable } from '../client/answer.ts';
import { launch, mayOpenBrowser } from './browser.ts';
import { isBearerToken } from './dotenv.ts';
import { deadline, isTimeout, MAX_REPLY_BYTES, post, type Reply } from './http.ts';
import { parseLoginOptions, type DeviceLoginOptions } from './login-options.ts';

export type { DeviceLoginOptions } from './login-options.ts';

/** {@link DeviceLoginOptions.timeoutMs} when none is given. */
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** The answer of a successful login. */
export interface DeviceLoginResult {
  /** ⚠️ The secret token: write it with `writeCredentials`, never print it. */
  readonly token: string;
  readonly tokenId: string;
  /** Exactly what the person approved. */
  readonly scopes: readonly string[];
  /** Epoch ms, or null for a token that never expires. */
  readonly expiresAt: number | null;
}

interface CodeAnswer {
  readonly device_code: string;
  readonly user_code: string;
  readonly verification_uri: string;
  readonly verification_uri_complete?: string;
  readonly expires_in: number;
  readonly interval?: number;
}

/**
 * Logs in through the browser and answers the token.
 *
 * @example A `login` command in a few lines
 * ```ts
 * import { deviceLogin, writeCredentials } from 'keycard/cli';
 * const url = 'https://api.toado.app';
 * const { token, tokenId } = await deviceLogin({ url: `${url}/api/tokens`, clientId: 'toado-cli', scopes: ['read', 'comments'] });
 * console.error(`Logged in; token saved to ${await writeCredentials('toado', { token, url, tokenId })}`);
 * ```
 */
export async function deviceLogin(given: DeviceLoginOptions): Promise<DeviceLoginResult> {
  const options = parseLoginOptions(given);
  const doFetch = options.fetch ?? globalThis.fetch;
  const say = options.output ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const base = options.url.replace(/\/+$/, '');
  const params = new URLSearchParams({ client_id: options.clientId, host: options.host ?? hostname() });
  if (options.scopes) params.set('scope', options.scopes.join(' '));
  if (options.restrictions) params.set('restrictions', JSON.stringify(options.restrictions));
  if (options.tokenLifetime !== undefined) params.set('token_lifetime', String(options.tokenLifetime));

  const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const send: Send = (path, body) => post(doFetch, `${base}${path}`, body, deadline(timeoutMs, options.signal));
  let started: Reply;
  try {
    started = await send('/device/code', params);
  } catch (error) {
    throw startFailure(error, new URL(base).origin, timeoutMs, options.signal);
  }
  if (isRedirect(started.status)) throw redirected(started.status, 'start the login');
  if (started.tooLarge) throw tooLarge('start the login');
  if (started.status !== 200) throw serverError(started.body, 'start the login');
  const codes = codeAnswer(started.body, new URL(base).protocol === 'https:');
  say(`To log in, open ${codes.verification_uri} in a browser and enter the code ${codes.user_code}`);
  const open = options.openBrowser ?? mayOpenBrowser(options.env);
  let ended = false;
  if (open !== false)
    launch(open, codes.verification_uri_complete ?? codes.verification_uri, () => {
      if (!ended) say('(A browser window was opened for you.)');
    });
  try {
    return await awaitApproval(send, codes, options, timeoutMs);
  } finally {
    ended = true;
  }
}

/** One request of the login: a form POST to `path` under the routes' URL, with its deadline. */
type Send = (path: string, body: URLSearchParams) => Promise<Reply>;

/**
 * The failure of the `/device/code` request as a KeycardError `unavailable` naming the server's
 * origin (never the path or query) and what the request met, instead of fetch's bare
 * `TypeError: fetch failed`; the caller's own abort is passed on as it is.
 */
function startFailure(error: unknown, origin: string, timeoutMs: number, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return error;
  if (isTimeout(error))
    return new KeycardError(
      'unavailable',
      `Could not start the login: ${origin} did not answer within ${timeoutMs} ms`,
      { cause: error },
    );
  const code = failureCode(error);
  return new KeycardError(
    'unavailable',
    `Could not start the login: could not reach ${origin}${code ? ` (${code})` : ''}`,
    {
      cause: error,
    },
  );
}

/** Polls `/device/token` until the grant is approved, denied or expired (RFC 8628 §3.4, §3.5). */
async function awaitApproval(
  send: Send,
  codes: CodeAnswer,
  options: DeviceLoginOptions,
  timeoutMs: number,
): Promise<DeviceLoginResult> {
  const sleep = options.sleep ?? delay;
  // `required`: the least the server allows between polls; `interval`: the wait now, longer after
  // connection trouble. Both in seconds, never under 1.
  let required = Math.max(1, codes.interval ?? 5);
  let interval = required;
  let waited = 0;
  const lifetime = loginWaitS(codes.expires_in) * 1000;
  const poll = new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
    device_code: codes.device_code,
    client_id: options.clientId,
  });
  // A poll at or after the end of the code's life is not sent; nor is a wait cut short to send one before it.
  while (waited + interval * 1000 < lifetime) {
    const wait = interval * 1000;
    await sleep(wait, options.signal);
    waited += wait;
    let answer: Reply;
    // The wait for each answer counts against the lifetime as a sleep does, in whole seconds (a
    // prompt answer costs nothing): a server answering slowly, or not at all until `timeoutMs`,
    // cannot stretch the login past its bound.
    const asked = performance.now();
    const spent = () => Math.floor((performance.now() - asked) / 1000) * 1000;
    try {
      answer = await send('/device/token', poll);
    } catch (error) {
      // No answer (refused, reset, unresolvable, timed out): never the caller's error, unless theirs.
      if (options.signal?.aborted) throw error;
      waited += isTimeout(error) ? timeoutMs : spent();
      interval = backOff(interval, required); // RFC 8628 §3.5: back off on connection trouble
      continue;
    }
    waited += spent();
    if (isRedirect(answer.status)) throw redirected(answer.status, 'finish the login');
    // Past the cap: as unusable as any other malformed answer, and not worth another poll.
    if (answer.tooLarge) throw tooLarge('finish the login');
    if (answer.status === 200) return tokenAnswer(answer.body);
    const error = answer.body['error'];
    if (error === 'authorization_pending') continue;
    // The server's store is briefly down (503): back off as on connection trouble; the grant waits.
    if (answer.status === 503 && error === 'temporarily_unavailable') {
      interval = backOff(interval, required);
      continue;
    }
    if (error === 'slow_down') {
      const asked = answer.body['interval'];
      // RFC 8628 §3.5: 5 s more, for this and every later poll; or more, if the server says so. A
      // number however large (`1e999` parses to Infinity) only means the next poll is not sent.
      required = typeof asked === 'number' && asked > 0 ? Math.max(asked, interval + 5) : interval + 5;
      interval = required;
      continue;
    }
    if (error === 'access_denied') throw new KeycardError('access_denied', 'The login was denied in the browser.');
    if (error === 'expired_token') break;
    throw serverError(answer.body, 'finish the login');
  }
  throw new KeycardError('expired_token', 'The login code expired before it was approved; run the login again.');
}

/** RFC 6749 §3.3 scope-tokens separated by spaces: no control character, quote or backslash to print. */
const SCOPE_TEXT = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/;
/** A token id a terminal can print and a credentials file can hold on one line. */
const TOKEN_ID = /^[\x21-\x7E]{1,256}$/;
/** The latest instant a Date holds (ECMA-262 §21.4.1.1), in epoch ms. */
const MAX_DATE_MS = 8.64e15;

/**
 * A 200 from `/device/token` (RFC 6749 §5.1): it must carry a token a header can send, and its
 * other fields, which the caller prints and saves, must be what keycard answers: `scope` text of
 * scope names, `token_id` printable text, `expires_in` seconds a date can hold (each may be absent).
 */
function tokenAnswer(b: Record<string, unknown>): DeviceLoginResult {
  const token = b['access_token'];
  if (typeof token !== 'string' || !isBearerToken(token))
    throw new KeycardError(
      'invalid_request',
      'Could not finish the login: the server answered 200 without a usable access_token (a proxy or captive portal?)',
    );
  // Each may be absent or null (keycard sends all three; other servers may not).
  const [scope, tokenId, expiresIn] = [b['scope'] ?? '', b['token_id'] ?? '', b['expires_in'] ?? null];
  const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : null;
  const bad = [
    typeof scope === 'string' && SCOPE_TEXT.test(scope) ? null : 'scope is not scope names separated by spaces',
    tokenId === '' || (typeof tokenId === 'string' && TOKEN_ID.test(tokenId)) ? null : 'token_id is not printable text',
    expiresIn === null || (typeof expiresIn === 'number' && expiresIn >= 0 && expiresAt! <= MAX_DATE_MS)
      ? null
      : 'expires_in is not a number of seconds from now',
  ].filter((x) => x !== null);
  if (bad.length > 0)
    throw new KeycardError('invalid_request', `Could not finish the login: the token answer's ${bad.join('; ')}`);
  return { token, tokenId: tokenId as string, scopes: (scope as string).split(' ').filter(Boolean), expiresAt };
}

/** A 3xx: not followed (see `post`), so not an answer. */
const redirected = (status: number, what: string): KeycardError =>
  new KeycardError(
    'invalid_request',
    `Could not ${what}: the server answered ${status}, a redirect; deviceLogin follows none (url must be the device routes' own URL)`,
  );

/** A reply past {@link MAX_REPLY_BYTES}: malformed, as a reply missing its fields is. */
const tooLarge = (what: string): KeycardError =>
  new KeycardError(
    'invalid_request',
    `Could not ${what}: the server’s answer is larger than ${MAX_REPLY_BYTES / 1024} KiB`,
  );

/**
 * Where the back-off on connection trouble stops doubling the wait, in seconds, unless the server's
 * own interval is longer (then the wait stays at that interval): a person who has approved in the
 * browser while the network was down waits at most this long for the terminal to notice.
 */
const MAX_BACKOFF_S = 60;

/**
 * The longest a login waits for approval, in seconds, whatever `expires_in` says: one hour, the
 * longest device-code life keycard's own routes can be configured with (`codeLifetimeSeconds`),
 * so the terminal never gives up before a keycard server's code expires.
 */
const MAX_LOGIN_WAIT_S = 3600;

/** The wait after connection trouble: doubled, up to {@link MAX_BACKOFF_S}, never under the server's `required`. */
const backOff = (interval: number, required: number): number =>
  Math.min(interval * 2, Math.max(required, MAX_BACKOFF_S));

/** How long a login waits for approval in all, in seconds: `expires_in`, at most {@link MAX_LOGIN_WAIT_S}. */
const loginWaitS = (expiresIn: number): number => Math.min(expiresIn, MAX_LOGIN_WAIT_S);

const PRINTABLE = /^[\x21-\x7E](?:[\x20-\x7E]{0,30}[\x21-\x7E])?$/;

/**
 * A page to print and open, normalised (`href` percent-encodes control characters), or why not:
 * an http(s) URL without a user name (`https://app.example@evil.example/` reads as the app's page);
 * https when the API is, unless on loopback (a plain-http page is anyone's on the path to answer, and
 * a login begun over TLS must not hand the person's session to it).
 */
function webPage(value: unknown, overTls: boolean): string | { readonly bad: string } {
  const url = typeof value === 'string' ? parseUrl(value) : null;
  if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:')) return { bad: 'is not an http(s) URL' };
  if (url.username !== '' || url.password !== '') return { bad: 'carries a user name or password' };
  if (overTls && url.protocol === 'http:' && !isLoopbackHost(url.hostname))
    return { bad: 'is plain http while the API is https (set the server’s verificationUri to its https page)' };
  return url.href;
}

/**
 * The `/device/code` answer (RFC 8628 §3.2), checked before anything reaches the terminal or a
 * browser: the URIs must be web pages (an opener handed `file:` or `smb:` may run or fetch
 * something), the user code printable ASCII (no escape sequences written to the terminal), the
 * device code and `expires_in` present.
 */
function codeAnswer(body: Record<string, unknown>, overTls: boolean): CodeAnswer {
  const uri = webPage(body['verification_uri'], overTls);
  const complete =
    body['verification_uri_complete'] === undefined ? undefined : webPage(body['verification_uri_complete'], overTls);
  const bad = [
    typeof uri === 'string' ? null : `verification_uri ${uri.bad}`,
    complete === undefined || typeof complete === 'string' ? null : `verification_uri_complete ${complete.bad}`,
    typeof body['user_code'] === 'string' && PRINTABLE.test(body['user_code'])
      ? null
      : 'user_code is not printable text',
    typeof body['device_code'] === 'string' && body['device_code'].length > 0 && body['device_code'].length <= 1024
      ? null
      : 'device_code is missing',
    isPositive(body['expires_in']) ? null : 'expires_in is not a positive number',
    body['interval'] === undefined || isPositive(body['interval']) ? null : 'interval is not a positive number',
    longerThanLife(body['interval'], body['expires_in']),
  ].filter((x) => x !== null);
  if (bad.length > 0) throw new KeycardError('invalid_request', `Could not start the login: ${bad.join('; ')}`);
  return {
    ...(body as unknown as CodeAnswer),
    verification_uri: uri as string,
    ...(typeof complete === 'string' ? { verification_uri_complete: complete } : {}),
  };
}

const isPositive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;

/**
 * The refusal of an `interval` the login could never wait out: a first poll at or after the end of
 * the code's life (or of {@link MAX_LOGIN_WAIT_S}) would never be sent, so the person would
 * approve for nothing.
 */
function longerThanLife(interval: unknown, expiresIn: unknown): string | null {
  if (!isPositive(interval) || !isPositive(expiresIn)) return null;
  const bound = loginWaitS(expiresIn);
  if (interval < bound) return null;
  return `interval (${interval} s) is not shorter than ${bound === expiresIn ? 'expires_in' : 'the longest login wait'} (${bound} s)`;
}

function serverError(body: Record<string, unknown>, what: string): KeycardError {
  const detail =
    typeof body['error_description'] === 'string'
      ? body['error_description']
      : typeof body['error'] === 'string'
        ? body['error']
        : 'no usable answer';
  return new KeycardError(
    body['error'] === 'temporarily_unavailable' ? 'unavailable' : 'invalid_request',
    `Could not ${what}: ${excerpt(printable(detail), 300)}`,
  );
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });
}
