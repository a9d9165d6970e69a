/**
 * A secret-scanning provider played locally: P-256 keys generated with WebCrypto, a key list
 * served by a fetch stub (counting its calls), and reports signed the way GitHub signs them
 * (ECDSA P-256 / SHA-256 over the raw body, base64 ASN.1 DER). Web standards only, so the unit
 * tests that use it run in the edge runtime too.
 */
import {
  createKeycard,
  defineScopes,
  memoryAuditSink,
  memoryTokenStore,
  type Keycard,
  type TokenStore,
} from '../src/index.ts';
import { createLeakIntakeHandler, type LeakIntakeOptions } from '../src/leaks/handler.ts';
import type { LeakNotice } from '../src/leaks/matches.ts';
import { fakeClock, type FakeClock } from '../src/testing/clock.ts';

const b64 = (bytes: Uint8Array) => {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
};

/** Raw `r || s` (what WebCrypto signs) to ASN.1 DER (what GitHub sends), written independently of the code under test. */
export function rawToDer(raw: Uint8Array): Uint8Array {
  const int = (bytes: Uint8Array) => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    const v = bytes.subarray(i);
    const body = v[0]! & 0x80 ? Uint8Array.of(0, ...v) : Uint8Array.from(v);
    return Uint8Array.of(0x02, body.length, ...body);
  };
  const r = int(raw.subarray(0, 32));
  const s = int(raw.subarray(32));
  return Uint8Array.of(0x30, r.length + s.length, ...r, ...s);
}

/** A provider signing key: its id, the PEM published in the key list, and the private half. */
export interface ProviderKey {
  readonly id: string;
  readonly pem: string;
  readonly privateKey: CryptoKey;
}

export async function providerKey(id: string): Promise<ProviderKey> {
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const spki = new Uint8Array((await crypto.subtle.exportKey('spki', pair.publicKey)) as ArrayBuffer);
  const lines = b64(spki)
    .match(/.{1,64}/g)!
    .join('\n');
  return { id, pem: `-----BEGIN PUBLIC KEY-----\n${lines}\n-----END PUBLIC KEY-----\n`, privateKey: pair.privateKey };
}

/** Base64 DER signature of `body` under `key`. */
export async function sign(key: ProviderKey, body: string | Uint8Array): Promise<string> {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  const raw = new Uint8Array(
    await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.privateKey, bytes as Uint8Array<ArrayBuffer>),
  );
  return b64(rawToDer(raw));
}

export interface LeakFixture {
  readonly keycard: Keycard;
  readonly clock: FakeClock;
  readonly audit: ReturnType<typeof memoryAuditSink>;
  readonly key: ProviderKey;
  /** The keys the stub serves; tests push and remove to rotate. */
  readonly published: ProviderKey[];
  readonly fetches: () => number;
  /** Store calls made so far (every method but `subscribe`/`close`), to prove "no store I/O". */
  readonly storeCalls: () => number;
  /** Make the store throw (true) or work again (false). */
  failStore(on: boolean): void;
  /** Make the provider's key endpoint answer 502 (true) or serve the keys again (false); still counted. */
  failFetch(on: boolean): void;
  readonly notices: LeakNotice[];
  readonly errors: unknown[];
  readonly handler: (request: Request) => Promise<Response>;
  /** A POST carrying `body` signed by `key` (default the published one), headers overridable. */
  report(body: string | Uint8Array, opts?: { key?: ProviderKey; headers?: Record<string, string> }): Promise<Request>;
  /** A GitHub body for tokens: `[{ token, type, url, source }]`. */
  body(tokens: readonly string[]): string;
}

export const TYPE = 'acme_api_token';
export const URL_OF = (i: number) => `https://github.com/octo/repo/blob/abc/config${i}.env`;

export async function leakFixture(
  options: Partial<LeakIntakeOptions> = {},
  keycard?: Keycard,
  clock?: FakeClock,
): Promise<LeakFixture> {
  const c = clock ?? fakeClock();
  const audit = memoryAuditSink();
  let storeCalls = 0;
  let failing = false;
  const inner = memoryTokenStore();
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function' || prop === 'subscribe' || prop === 'close') return v;
      return (...args: unknown[]) => {
        storeCalls++;
        if (failing) throw new Error('store down');
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as TokenStore;
  const kc =
    keycard ??
    createKeycard({
      prefix: 'acme',
      scopes: defineScopes({ read: {} }, { defaults: ['read'] }),
      clock: c,
      audit,
      store,
    });
  const key = await providerKey('k1');
  const published = [key];
  let fetches = 0;
  let keysDown = false;
  const notices: LeakNotice[] = [];
  const errors: unknown[] = [];
  const stub: typeof fetch = async () => {
    fetches++;
    if (keysDown) return new Response('down', { status: 502 });
    return Response.json({
      public_keys: published.map((k, i) => ({
        key_identifier: k.id,
        key: k.pem,
        is_current: i === published.length - 1,
      })),
    });
  };
  const handler = createLeakIntakeHandler(kc, {
    provider: 'github',
    fetch: stub,
    onLeak: (n) => void notices.push(n),
    onError: (e) => void errors.push(e),
    ...options,
  });
  return {
    keycard: kc,
    clock: c,
    audit,
    key,
    published,
    fetches: () => fetches,
    storeCalls: () => storeCalls,
    failStore: (on) => void (failing = on),
    failFetch: (on) => void (keysDown = on),
    notices,
    errors,
    handler,
    async report(body, opts = {}) {
      const k = opts.key ?? key;
      const headers = {
        'content-type': 'application/json',
        'github-public-key-identifier': k.id,
        'github-public-key-signature': await sign(k, body),
        ...opts.headers,
      };
      return new Request('http://localhost/leaks', { method: 'POST', headers, body: body as BodyInit });
    },
    body: (tokens) =>
      JSON.stringify(tokens.map((token, i) => ({ token, type: TYPE, url: URL_OF(i), source: 'content' }))),
  };
}

/** Lowercase hex SHA-256 of a string, with WebCrypto (independent of the code under test). */
export async function sha256Hex(text: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}
