/**
 * One keycard set up so that every row of the SPEC §8 table can be produced by a real request,
 * and the list of those requests. The pipeline test sends them to `authenticate()`; every adapter
 * test sends the same requests through its framework and must get the same bytes.
 */
import { createHash } from 'node:crypto';
import {
  createKeycard,
  memoryLimiter,
  memoryTokenStore,
  type AuthRequirement,
  type Keycard,
  type TokenStore,
} from '../src/index.ts';
import { fakeClock, type FakeClock } from '../src/testing/clock.ts';
import type { RequestErrorCode } from '../src/core/errors.ts';
import { toadoScopes } from './helpers.ts';

/** A request that must produce one row of the table. */
export interface ContractCase {
  readonly code: RequestErrorCode;
  /** What the case exercises, for test names. */
  readonly what: string;
  readonly method: string;
  readonly path: string;
  /** Header fields; an array value is sent as several field lines. */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
}

/** The requirement each route of the contract app declares, by path. */
export const ROUTES: Readonly<Record<string, AuthRequirement>> = {
  '/tickets': { scope: 'read' },
  '/tickets/write': { scope: 'tickets:write' },
  '/companies/c1/projects/p9': { scope: 'read', resource: { path: { company: 'c1', project: 'p9' }, access: 'read' } },
};

export interface ContractFixture {
  readonly keycard: Keycard;
  readonly clock: FakeClock;
  readonly cases: readonly ContractCase[];
  /** A token that passes every route except the write one. */
  readonly good: string;
}

/** A store that fails lookups of one poisoned hash, so a single app can also answer 503. */
function poisonable(inner: TokenStore, poisoned: Set<string>): TokenStore {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'findByHash')
        return (hash: string) =>
          poisoned.has(hash) ? Promise.reject(new Error('connection reset')) : target.findByHash(hash);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

export async function contractFixture(): Promise<ContractFixture> {
  const clock = fakeClock();
  const poisoned = new Set<string>();
  const limiter = memoryLimiter({ clock });
  const keycard = createKeycard({
    prefix: 'acme',
    scopes: toadoScopes(),
    store: poisonable(memoryTokenStore(), poisoned),
    limiter,
    resources: ['company', 'project'],
    clock,
    onError: () => {},
    onWarning: () => {},
  });
  const issue = async (label: string, extra: Record<string, unknown> = {}) =>
    (await keycard.issue({ ownerId: 'u1', label, scopes: ['comments'], ...extra })).token;
  const good = await issue('good');
  const restricted = await issue('restricted', { restrictions: { company: ['c1'], project: ['p1'] } });
  const expiring = await issue('expiring', { expiresIn: 1000 });
  const revoked = await keycard.issue({ ownerId: 'u1', label: 'revoked', scopes: ['comments'] });
  await keycard.revoke(revoked.record.id);
  const limited = await keycard.issue({
    ownerId: 'u1',
    label: 'limited',
    scopes: ['comments'],
    rateLimit: { limit: 1, window: 60 },
  });
  const broken = await issue('broken');
  poisoned.add(createHash('sha256').update(broken).digest('hex'));

  // The limited token's one admission happened 43 s ago, so the next request waits 17 s.
  limiter.consume(`${limited.record.familyId}:all`, 1, 60);
  clock.advance(43_000);

  const forged = `acme_sk_1${'A'.repeat(32)}`;
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
  const cases: ContractCase[] = [
    { code: 'missing_token', what: 'no Authorization', method: 'GET', path: '/tickets', headers: {} },
    {
      code: 'missing_token',
      what: 'another scheme',
      method: 'GET',
      path: '/tickets',
      headers: { authorization: 'Basic dXNlcjpwYXNz' },
    },
    {
      code: 'invalid_request',
      what: 'Bearer without credentials',
      method: 'GET',
      path: '/tickets',
      headers: { authorization: 'Bearer' },
    },
    {
      code: 'invalid_request',
      what: 'a credential list',
      method: 'GET',
      path: '/tickets',
      headers: { authorization: `Bearer ${good}, ${good}` },
    },
    {
      code: 'invalid_request',
      what: 'not a b64token',
      method: 'GET',
      path: '/tickets',
      headers: { authorization: 'Bearer {"x":1}' },
    },
    {
      code: 'invalid_request',
      what: 'two Authorization fields',
      method: 'GET',
      path: '/tickets',
      headers: { authorization: [`Bearer ${good}`, `Bearer ${good}`] },
    },
    // Issue 11, item 13: a Web Headers joins these into one value; Hono answered 401 where Express answered 400.
    {
      code: 'invalid_request',
      what: 'two Authorization fields, the second empty',
      method: 'GET',
      path: '/tickets',
      headers: { authorization: ['Basic dXNlcjpwYXNz', ''] },
    },
    {
      code: 'invalid_request',
      what: 'two Authorization fields, the second a bare scheme',
      method: 'GET',
      path: '/tickets',
      headers: { authorization: ['Basic dXNlcjpwYXNz', 'Bearer'] },
    },
    {
      code: 'invalid_request',
      what: 'two Authorization fields, the first empty',
      method: 'GET',
      path: '/tickets',
      headers: { authorization: ['', `Bearer ${good}`] },
    },
    {
      code: 'invalid_request',
      what: 'a bearer field and a bare-scheme field',
      method: 'GET',
      path: '/tickets',
      headers: { authorization: [`Bearer ${good}`, 'Basic'] },
    },
    {
      code: 'invalid_request',
      what: 'over maxCredentialBytes',
      method: 'GET',
      path: '/tickets',
      headers: bearer('a'.repeat(1025)),
    },
    {
      code: 'invalid_token',
      what: 'a well-formed unknown token',
      method: 'GET',
      path: '/tickets',
      headers: bearer(`${forged}${checksumFree(forged)}`),
    },
    {
      code: 'invalid_token',
      what: 'a b64token of another shape',
      method: 'GET',
      path: '/tickets',
      headers: bearer('not-a-keycard-token'),
    },
    { code: 'token_expired', what: 'expired', method: 'GET', path: '/tickets', headers: bearer(expiring) },
    { code: 'token_revoked', what: 'revoked', method: 'GET', path: '/tickets', headers: bearer(revoked.token) },
    {
      code: 'insufficient_scope',
      what: 'missing tickets:write',
      method: 'POST',
      path: '/tickets/write',
      headers: bearer(good),
    },
    {
      code: 'forbidden_resource',
      what: 'project p9 outside p1',
      method: 'GET',
      path: '/companies/c1/projects/p9',
      headers: bearer(restricted),
    },
    { code: 'rate_limited', what: 'over 1 per 60 s', method: 'GET', path: '/tickets', headers: bearer(limited.token) },
    { code: 'unavailable', what: 'the store fails', method: 'GET', path: '/tickets', headers: bearer(broken) },
  ];
  return { keycard, clock, cases, good };
}

/** Makes `head` a token with a valid checksum (so it reaches the store). */
function checksumFree(head: string): string {
  // Same CRC-32 + base62 as src/core/token.ts, re-derived here so the fixture does not trust it.
  let crc = -1;
  for (let i = 0; i < head.length; i++) {
    crc ^= head.charCodeAt(i);
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  let v = (crc ^ -1) >>> 0;
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  let out = '';
  for (let i = 0; i < 6; i++) {
    out = alphabet[v % 62]! + out;
    v = Math.floor(v / 62);
  }
  return out;
}
