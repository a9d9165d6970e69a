/**
 * docs/tokens.md, claims no other test held (a docs truth audit): the gitleaks rule the page
 * prints is scannerPattern's and finds a real token under RE2; a typo of every kind the page names
 * is refused without one call to the store; the record shows exactly the fields the page lists;
 * expiry takes the presets, milliseconds and `expiresAt` as written, defaults to never, and is
 * decided on the wall clock (`now < expiresAt`); and once `{ version: 0 }` leaves the pepper list,
 * a token still unpeppered stops verifying.
 */
import { readFileSync } from 'node:fs';
import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { createKeycard, defineScopes, memoryTokenStore, scannerPattern, type TokenStore } from '../src/index.ts';
import { generateToken } from '../src/store-kit.ts';
import { fakeClock } from '../src/testing/index.ts';

const doc = readFileSync(new URL('../docs/tokens.md', import.meta.url), 'utf8');
const scopes = defineScopes({ read: {} });
const DAY = 86_400_000;

describe('docs/tokens.md "A gitleaks rule"', () => {
  const rule = /```toml\n([\s\S]*?)\n```/.exec(doc)?.[1] ?? '';
  const regex = /^regex = '''(.*)'''$/m.exec(rule)?.[1];

  it("prints scannerPattern('acme') as the rule's regex, and its 39 characters are version, body and checksum", () => {
    expect(regex).toBe(scannerPattern('acme'));
    expect(/^keywords = \["acme_sk_"\]$/m.test(rule)).toBe(true);
    const token = generateToken({ prefix: 'acme' });
    expect(token.length - 'acme_sk_'.length).toBe(39);
    expect(doc).toContain('39 characters are the version, the 32-character body and the 6-character checksum');
  });

  it('finds a real token under RE2 (Go-compatible), and not a longer run of base62', () => {
    const re = RE2JS.compile(regex!);
    const token = generateToken({ prefix: 'acme' });
    expect(re.matcher(`ACME_TOKEN=${token}\n`).find()).toBe(true);
    expect(re.matcher(`ACME_TOKEN=${token}x\n`).find()).toBe(false);
  });
});

describe('docs/tokens.md "Format": typos are refused before any store I/O', () => {
  it('a substitution, insertion, deletion or adjacent transposition of a real token: invalid_token, no store call', async () => {
    const inner = memoryTokenStore();
    const calls: string[] = [];
    const store = new Proxy(inner, {
      get(target, name, receiver) {
        const value: unknown = Reflect.get(target, name, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls.push(String(name));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as TokenStore;
    const kc = createKeycard({ prefix: 'acme', scopes, store, onWarning: () => {} });
    const { token } = await kc.issue({ ownerId: 'u1', label: 'ci', scopes: ['read'] });
    const flip = (c: string) => (c === 'a' ? 'b' : 'a');
    const typos: string[] = [];
    for (const i of [0, 5, 8, 9, 20, 40, token.length - 1]) {
      typos.push(token.slice(0, i) + flip(token[i]!) + token.slice(i + 1)); // substitution
      typos.push(token.slice(0, i) + 'x' + token.slice(i)); // insertion
      typos.push(token.slice(0, i) + token.slice(i + 1)); // deletion
    }
    for (const i of [9, 20, 40]) {
      if (token[i] !== token[i + 1]) typos.push(token.slice(0, i) + token[i + 1]! + token[i]! + token.slice(i + 2));
    }
    typos.push(token.slice(0, -3)); // a truncated paste
    calls.length = 0;
    for (const typo of typos) expect(await kc.verify(typo)).toEqual({ ok: false, code: 'invalid_token' });
    expect(calls).toEqual([]);
    expect((await kc.verify(token)).ok).toBe(true); // the store is read for the real one
    expect(calls.length).toBeGreaterThan(0);
    await kc.close();
  });
});

describe('docs/tokens.md "The record"', () => {
  it('shows exactly the fields the page lists, never the secret or the hash; start is prefix, type and the last 4', async () => {
    const listed = /What keycard stores and shows[\s\S]*?All times are epoch milliseconds/.exec(doc)![0];
    const names = [...listed.matchAll(/`([a-zA-Z]+)`/g)]
      .map((m) => m[1]!)
      .filter((n) => !['personal', 'workspace'].includes(n));
    const kc = createKeycard({ prefix: 'acme', scopes });
    const { token, record } = await kc.issue({ ownerId: 'u1', label: 'ci', scopes: ['read'] });
    expect(Object.keys(record).sort()).toEqual([...new Set(names)].sort());
    expect(JSON.stringify(record)).not.toContain(token.slice(9, 41));
    expect(record).not.toHaveProperty('hash');
    expect(record.id).toMatch(/^tok_/);
    expect(record.start).toBe(`acme_sk_…${token.slice(-4)}`);
    expect((await kc.list({ ownerId: 'u1' })).records[0]).not.toHaveProperty('hash');
  });
});

describe('docs/tokens.md "Expiry"', () => {
  it("takes 'never', '30d', '90d', '365d' or milliseconds, or expiresAt as a Date or epoch ms", async () => {
    const clock = fakeClock();
    const kc = createKeycard({ prefix: 'acme', scopes, clock });
    const at = async (input: object) =>
      (await kc.issue({ ownerId: 'u1', label: 'x', scopes: ['read'], ...input })).record.expiresAt;
    const now = clock.now();
    expect(await at({ expiresIn: 'never' })).toBeNull();
    expect(await at({ expiresIn: '30d' })).toBe(now + 30 * DAY);
    expect(await at({ expiresIn: '90d' })).toBe(now + 90 * DAY);
    expect(await at({ expiresIn: '365d' })).toBe(now + 365 * DAY);
    expect(await at({ expiresIn: 5_000 })).toBe(now + 5_000);
    expect(await at({ expiresAt: new Date(now + 7 * DAY) })).toBe(now + 7 * DAY);
    expect(await at({ expiresAt: now + 3 * DAY })).toBe(now + 3 * DAY);
    expect(await at({})).toBeNull(); // defaultExpiresIn defaults to 'never'
  });

  it('without either, createKeycard({ defaultExpiresIn }) applies', async () => {
    const clock = fakeClock();
    const kc = createKeycard({ prefix: 'acme', scopes, clock, defaultExpiresIn: '90d' });
    const { record } = await kc.issue({ ownerId: 'u1', label: 'x', scopes: ['read'] });
    expect(record.expiresAt).toBe(clock.now() + 90 * DAY);
    const ms = createKeycard({ prefix: 'acme', scopes, clock, defaultExpiresIn: 60_000 });
    expect((await ms.issue({ ownerId: 'u1', label: 'x', scopes: ['read'] })).record.expiresAt).toBe(
      clock.now() + 60_000,
    );
  });

  it('a token is valid iff now < expiresAt, on the wall clock (a step of clock.now() alone expires it)', async () => {
    const clock = fakeClock();
    const kc = createKeycard({ prefix: 'acme', scopes, clock });
    const { token, record } = await kc.issue({ ownerId: 'u1', label: 'x', scopes: ['read'], expiresIn: 60_000 });
    clock.setNow(record.expiresAt! - 1); // the monotonic clock does not move
    expect((await kc.verify(token)).ok).toBe(true);
    clock.setNow(record.expiresAt!);
    expect(await kc.verify(token)).toEqual({ ok: false, code: 'token_expired' });
  });
});

describe('docs/tokens.md "Adopting a pepper", step 3', () => {
  it('once { version: 0 } is removed, a token never used meanwhile (still unpeppered) stops verifying', async () => {
    const store = memoryTokenStore();
    const v1 = { version: 1, secret: 'pepper-one-at-least-thirty-two-bytes!' };
    const unpeppered = createKeycard({ prefix: 'acme', scopes, store });
    const straggler = await unpeppered.issue({ ownerId: 'u1', label: 'idle', scopes: ['read'] });
    const adopting = createKeycard({ prefix: 'acme', scopes, store, peppers: [v1, { version: 0 }] });
    const fresh = await adopting.issue({ ownerId: 'u1', label: 'new', scopes: ['read'] });
    await adopting.close();
    expect((await store.get(straggler.record.id))!.pepperVersion).toBe(0);
    const done = createKeycard({ prefix: 'acme', scopes, store, peppers: [v1] });
    expect(await done.verify(straggler.token)).toEqual({ ok: false, code: 'invalid_token' });
    expect((await done.verify(fresh.token)).ok).toBe(true);
    await done.close();
  });
});

describe('docs/tokens.md "Shown once, stored as a hash": what a retiring pepper costs', () => {
  it('one extra hash per retiring pepper, only when the cache misses and the store is read (one read)', async () => {
    const plain = memoryTokenStore();
    const reads: number[] = []; // the number of hashes of each store read
    const store: TokenStore = Object.assign(Object.create(plain) as TokenStore, {
      findByHash: (h: string) => (reads.push(1), plain.findByHash(h)),
      findByAnyHash: (hs: readonly string[]) => (reads.push(hs.length), plain.findByAnyHash!(hs)),
    });
    const peppers = [3, 2, 1].map((version) => ({ version, secret: `pepper-${version}-at-least-thirty-two-bytes!` }));
    const keycard = createKeycard({ prefix: 'acme', scopes, store, peppers });
    const { token } = await keycard.issue({ ownerId: 'u1', label: 'ci', scopes: ['read'] });
    expect((await keycard.verify(token)).ok).toBe(true);
    expect(reads).toEqual([3]); // the current pepper's hash and one per retiring pepper, in one read
    expect((await keycard.verify(token)).ok).toBe(true);
    expect(reads).toEqual([3]); // a cache hit: no store read, no retiring hash
    expect(doc).toContain('one extra hash per retiring pepper, only when the cache misses and the store is read');
    await keycard.close();
  });
});
