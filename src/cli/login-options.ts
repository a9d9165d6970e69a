/**
 * Options of `deviceLogin`, documented once on the type and validated once, before any request,
 * by a strict zod schema: an unknown key or a value its type does not admit is one
 * `KeycardError('invalid_config')` naming every bad field (the shared `configError` format).
 */
import * as z from 'zod/mini';
import { configError, english } from '../core/config.ts';
import { parseUrl } from '../core/url.ts';

/** Options of `deviceLogin`. */
export interface DeviceLoginOptions {
  /**
   * Where the device routes are mounted, e.g. `https://api.example.com/api/tokens`: an http(s)
   * URL without a user name or password (fetch refuses those, and would quote the password).
   */
  readonly url: string;
  /** The program's name, shown on the approval page and in the token's label. A non-empty string. */
  readonly clientId: string;
  /**
   * The scopes to ask for: names without spaces (they are sent space-separated, RFC 6749 §3.3).
   * @default the server's default scopes
   */
  readonly scopes?: readonly string[];
  /** Resource restrictions to ask for, e.g. `{ company: ['c1'] }`: a record of string arrays. */
  readonly restrictions?: Readonly<Record<string, readonly string[]>>;
  /**
   * The token lifetime to ask for: a preset or whole seconds from 1 to 9999999999 (what the
   * device routes accept). @default the server's (90 days)
   */
  readonly tokenLifetime?: 'never' | '30d' | '90d' | '365d' | number;
  /** This machine's name, shown on the approval page and in the label. @default os.hostname() */
  readonly host?: string;
  /** Where the instructions go. @default a line on stderr */
  readonly output?: (line: string) => void;
  /**
   * Whether to open the verification page in a browser: `true`, `false`, or your own opener
   * (anything else, such as `'yes'`, is `invalid_config`).
   *
   * The opener is started once the instructions are printed, and never waited for: polling starts
   * at once whatever it does, so an opener that never settles cannot hold the login, and one that
   * throws or rejects cannot fail it (the printed URL is enough). "(A browser window was opened
   * for you.)" is printed when it returns or resolves, unless the login has already ended.
   * @default true only on an interactive terminal (stdin and stdout TTYs) outside CI and SSH
   */
  readonly openBrowser?: boolean | ((url: string) => void | Promise<void>);
  /** Stops the wait: an `AbortSignal`. */
  readonly signal?: AbortSignal;
  /**
   * The longest one request may take (the `/device/code` request and each `/device/token` poll),
   * in ms, so a server that accepts the connection and never answers cannot hang the terminal. A
   * silent `/device/code` fails with `unavailable`; a silent poll is connection trouble: the
   * login backs off and polls again, and the time counts against the login's lifetime.
   * A whole number from 1 to 2147483647 (the longest a timer holds).
   * @default 30000
   */
  readonly timeoutMs?: number;
  /** For tests. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** For tests. @default a timer */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** For tests: a record of strings (or undefined). @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The largest delay a timer can hold (2^31 - 1 ms); a larger one fires at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/** The largest `token_lifetime` in seconds the device routes accept (ten digits). */
const MAX_LIFETIME_S = 9_999_999_999;

/** True for an http(s) URL without credentials: one fetch can send, whose errors quote no password. */
function isServerUrl(value: string): boolean {
  const url = parseUrl(value);
  return url !== null && /^https?:$/.test(url.protocol) && url.username === '' && url.password === '';
}

/** A string with one message for every way to miss it (the wrong type too). */
const text = (error: string, ok: (s: string) => boolean) => z.string({ error }).check(z.refine(ok, { error }));

/** A value of a type zod has no schema for, checked by `ok`. */
const custom = <T>(ok: (v: unknown) => boolean, error: string) => z.optional(z.custom<T>(ok, { error }));
const isFunction = (v: unknown) => typeof v === 'function';
const isEnvironment = (v: unknown) =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  Object.values(v).every((s) => s === undefined || typeof s === 'string');

const TIMEOUT = `must be a whole number of ms from 1 to ${MAX_TIMER_MS}`;
const LIFETIME = `must be 'never', '30d', '90d', '365d' or whole seconds from 1 to ${MAX_LIFETIME_S}`;

const schema = z.strictObject(
  {
    url: text('must be an http(s) URL without a user name or password', isServerUrl),
    clientId: text('must be a non-empty string', (s) => s !== ''),
    scopes: z.optional(z.array(text('must be a scope name: a string without spaces', (s) => /^\S+$/.test(s)))),
    restrictions: z.optional(z.record(z.string(), z.array(z.string()))),
    tokenLifetime: z.optional(
      z.union(
        [z.enum(['never', '30d', '90d', '365d']), z.number().check(z.int(), z.minimum(1), z.maximum(MAX_LIFETIME_S))],
        { error: LIFETIME },
      ),
    ),
    host: z.optional(z.string()),
    output: custom<DeviceLoginOptions['output']>(isFunction, 'must be a function (line) => void'),
    openBrowser: custom<DeviceLoginOptions['openBrowser']>(
      (v) => typeof v === 'boolean' || isFunction(v),
      'must be true, false or a function (url) => void',
    ),
    signal: custom<AbortSignal>((v) => v instanceof AbortSignal, 'must be an AbortSignal'),
    timeoutMs: z.optional(
      z
        .number({ error: TIMEOUT })
        .check(
          z.int({ error: TIMEOUT }),
          z.minimum(1, { error: TIMEOUT }),
          z.maximum(MAX_TIMER_MS, { error: TIMEOUT }),
        ),
    ),
    fetch: custom<typeof fetch>(isFunction, 'must be a function like fetch'),
    sleep: custom<DeviceLoginOptions['sleep']>(isFunction, 'must be a function (ms, signal) => Promise'),
    // Not z.record: that admits plain objects only, and process.env is not one.
    env: custom<DeviceLoginOptions['env']>(isEnvironment, 'must be a record of strings, such as process.env'),
  },
  { error: 'must be an object with url and clientId' },
);

/**
 * The options, checked once against their types: the parsed copy, so a getter cannot answer
 * differently later.
 * @throws KeycardError `invalid_config` "deviceLogin: field: problem; …", one clause per bad field
 */
export function parseLoginOptions(options: unknown): DeviceLoginOptions {
  const parsed = schema.safeParse(options, english);
  if (!parsed.success) throw configError('deviceLogin', parsed.error);
  return parsed.data as DeviceLoginOptions;
}
