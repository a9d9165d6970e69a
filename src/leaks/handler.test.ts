import { describe, expect, it } from 'vitest';
import { leakFixture, providerKey, sha256Hex, sign, TYPE, URL_OF } from '../../test/leaks-fixture.ts';
import type { KeycardEvents, TokenAuditEvent } from '../index.ts';
import { generateToken } from '../core/token.ts';
import { LEAK_INTAKE, type LeakIntakePort } from './port.ts';

const json = async (res: Response) => JSON.parse(await res.text()) as unknown;

/** A well-formed token of the right prefix whose body is not one we issued. */
const forgeWellFormed = () => generateToken({ prefix: 'acme', type: 'sk' });

describe('createLeakIntakeHandler: a verified GitHub report', () => {
  it('revokes the live token, labels every match, audits and notifies once, never echoes a token', async () => {
    const f = await leakFixture();
    const live = await f.keycard.issue({ ownerId: 'u1', label: 'ci' });
    const old = await f.keycard.issue({ ownerId: 'u1', label: 'old' });
    await f.keycard.revoke(old.record.id, { reason: 'owner' });
    const unknown = forgeWellFormed();
    const badCrc = live.token.slice(0, -1) + (live.token.endsWith('A') ? 'B' : 'A');
    const tokens = [live.token, old.token, unknown, badCrc, 'not a token at all'];
    const leaked: KeycardEvents['token.leaked'][] = [];
    f.keycard.on('token.leaked', (e) => void leaked.push(e));
    f.audit.clear();

    const res = await f.handler(await f.report(f.body(tokens)));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const text = await res.text();
    for (const t of tokens) expect(text).not.toContain(t);
    expect(JSON.parse(text)).toEqual(
      await Promise.all(
        tokens.map(async (t, i) => ({
          token_hash: await sha256Hex(t),
          token_type: TYPE,
          label: i < 2 ? 'true_positive' : 'false_positive',
        })),
      ),
    );

    expect(await f.keycard.verify(live.token)).toEqual({ ok: false, code: 'token_revoked' });
    const record = await f.keycard.get(live.record.id);
    expect(record?.revokedReason).toBe('leaked');
    expect((await f.keycard.get(old.record.id))?.revokedReason).toBe('owner'); // already revoked: untouched

    const events = f.audit.events.filter((e): e is TokenAuditEvent => e.type === 'token.revoked');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      tokenId: live.record.id,
      actor: { kind: 'system', id: 'github' },
      reason: 'leaked',
      leak: { provider: 'github', type: TYPE, url: URL_OF(0), source: 'content' },
    });
    expect(leaked).toEqual([{ record, provider: 'github', type: TYPE, url: URL_OF(0), source: 'content' }]);
    expect(f.notices).toEqual([{ record, url: URL_OF(0), source: 'content', type: TYPE, provider: 'github' }]);
    expect(JSON.stringify([f.audit.events, leaked, f.notices])).not.toContain(live.token);
  });

  it('is idempotent: a replayed delivery gets the same answer and changes nothing', async () => {
    const f = await leakFixture();
    const live = await f.keycard.issue({ ownerId: 'u1', label: 'ci' });
    const body = f.body([live.token, 'acme_sk_nope']);
    const first = await (await f.handler(await f.report(body))).text();
    const after = {
      audit: f.audit.events.length,
      notices: f.notices.length,
      record: await f.keycard.get(live.record.id),
    };
    for (let i = 0; i < 3; i++) {
      f.clock.advance(1000);
      const again = await f.handler(await f.report(body));
      expect(again.status).toBe(200);
      expect(await again.text()).toBe(first);
    }
    expect(f.audit.events.length).toBe(after.audit);
    expect(f.notices.length).toBe(after.notices);
    expect(await f.keycard.get(live.record.id)).toEqual(after.record);
  });

  it('revokes and notifies once when deliveries of one token race (same millisecond)', async () => {
    const f = await leakFixture();
    const live = await f.keycard.issue({ ownerId: 'u1', label: 'ci' });
    const body = f.body([live.token]);
    const requests = await Promise.all(Array.from({ length: 8 }, () => f.report(body)));
    const answers = await Promise.all(requests.map(async (r) => (await f.handler(r)).text()));
    expect(new Set(answers).size).toBe(1);
    expect(f.notices).toHaveLength(1);
    expect(f.audit.events.filter((e) => e.type === 'token.revoked')).toHaveLength(1);
    // The narrowest race: both lookups saw it live, both revokes land in the same millisecond.
    const other = await f.keycard.issue({ ownerId: 'u1', label: 'other' });
    const port = (f.keycard as unknown as Record<typeof LEAK_INTAKE, LeakIntakePort>)[LEAK_INTAKE];
    const report = { provider: 'github', type: TYPE, url: '', source: 'content' };
    const [a, b] = await Promise.all([
      port.revokeLeaked(other.record.id, report),
      port.revokeLeaked(other.record.id, report),
    ]);
    expect([a!.revokedNow, b!.revokedNow].sort()).toEqual([false, true]);
  });

  it('settles a token reported twice in one body once, and answers both entries', async () => {
    const f = await leakFixture();
    const live = await f.keycard.issue({ ownerId: 'u1', label: 'ci' });
    const res = await f.handler(await f.report(f.body([live.token, live.token])));
    const answer = (await json(res)) as { label: string }[];
    expect(answer.map((a) => a.label)).toEqual(['true_positive', 'true_positive']);
    expect(f.notices).toHaveLength(1);
  });

  it('labels an expired token a true positive without revoking it or notifying', async () => {
    const f = await leakFixture();
    const t = await f.keycard.issue({ ownerId: 'u1', label: 'short', expiresIn: 1000 });
    f.clock.advance(2000);
    const answer = (await json(await f.handler(await f.report(f.body([t.token]))))) as { label: string }[];
    expect(answer[0]!.label).toBe('true_positive');
    expect((await f.keycard.get(t.record.id))?.revokedAt).toBeNull();
    expect(f.notices).toHaveLength(0);
  });

  it('answers a CRC failure as a false positive without any store I/O', async () => {
    const f = await leakFixture();
    const live = await f.keycard.issue({ ownerId: 'u1', label: 'ci' });
    const before = f.storeCalls();
    const flipped = live.token.slice(0, 12) + (live.token[12] === 'a' ? 'b' : 'a') + live.token.slice(13);
    const answer = (await json(await f.handler(await f.report(f.body([flipped]))))) as { label: string }[];
    expect(answer[0]!.label).toBe('false_positive');
    expect(f.storeCalls()).toBe(before);
  });

  it('writes token_hash in base64 when asked', async () => {
    const f = await leakFixture({ tokenHashEncoding: 'base64' });
    const answer = (await json(await f.handler(await f.report(f.body(['x']))))) as { token_hash: string }[];
    const hex = await sha256Hex('x');
    expect(answer[0]!.token_hash).toBe(
      btoa(String.fromCharCode(...hex.match(/../g)!.map((h) => Number.parseInt(h, 16)))),
    );
  });

  it('answers even when onLeak throws or rejects, and reports the failure', async () => {
    for (const onLeak of [
      () => {
        throw new Error('mailer down');
      },
      () => Promise.reject(new Error('mailer down')),
    ]) {
      const f = await leakFixture({ onLeak });
      const live = await f.keycard.issue({ ownerId: 'u1', label: 'ci' });
      const res = await f.handler(await f.report(f.body([live.token])));
      expect(res.status).toBe(200);
      expect(((await json(res)) as { label: string }[])[0]!.label).toBe('true_positive');
      expect(f.errors.map((e) => (e as Error).message)).toEqual(['mailer down']);
    }
  });

  it('answers 503 when the store fails, and a retry then revokes (idempotent)', async () => {
    const f = await leakFixture();
    const live = await f.keycard.issue({ ownerId: 'u1', label: 'ci' });
    f.failStore(true);
    const down = await f.handler(await f.report(f.body([live.token])));
    expect(down.status).toBe(503);
    expect(await down.text()).not.toContain(live.token);
    f.failStore(false);
    expect((await f.handler(await f.report(f.body([live.token])))).status).toBe(200);
    expect(await f.keycard.verify(live.token)).toEqual({ ok: false, code: 'token_revoked' });
    expect(f.notices).toHaveLength(1);
  });
});

describe('createLeakIntakeHandler: a verified batch with off-format entries', () => {
  it('still revokes every live token in it; entries without a token string are left out of the answer', async () => {
    const f = await leakFixture();
    const a = await f.keycard.issue({ ownerId: 'u1', label: 'a' });
    const b = await f.keycard.issue({ ownerId: 'u1', label: 'b' });
    const c = await f.keycard.issue({ ownerId: 'u2', label: 'c' });
    const body = JSON.stringify([
      { token: a.token, type: 7, url: 5, source: {} }, // GitLab's schema requires no field
      { type: TYPE, url: 'https://x.example' }, // no token: nothing to settle
      1,
      null,
      [a.token],
      { token: b.token }, // no type
      { token: 42, type: TYPE },
      { token: c.token, type: 'x'.repeat(10_000), url: 'u'.repeat(10_000), source: null },
    ]);
    const res = await f.handler(await f.report(body));
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const t of [a, b, c]) expect(text).not.toContain(t.token);
    expect(JSON.parse(text)).toEqual([
      { token_hash: await sha256Hex(a.token), token_type: '', label: 'true_positive' },
      { token_hash: await sha256Hex(b.token), token_type: '', label: 'true_positive' },
      { token_hash: await sha256Hex(c.token), token_type: '', label: 'true_positive' },
    ]);
    for (const t of [a, b, c]) {
      expect(await f.keycard.verify(t.token)).toEqual({ ok: false, code: 'token_revoked' });
      expect((await f.keycard.get(t.record.id))?.revokedReason).toBe('leaked');
    }
    expect(f.notices.map((n) => [n.record.id, n.type, n.url, n.source])).toEqual([
      [a.record.id, '', '', ''],
      [b.record.id, '', '', ''],
      [c.record.id, '', '', ''],
    ]);
  });

  it('an array with no token string in it is 200 with an empty answer and touches no store', async () => {
    const f = await leakFixture();
    const live = await f.keycard.issue({ ownerId: 'u1', label: 'ci' });
    const calls = f.storeCalls();
    const res = await f.handler(await f.report('[1,{"type":"t"},{"token":7},[]]'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([]);
    expect(f.storeCalls()).toBe(calls);
    expect((await f.keycard.verify(live.token)).ok).toBe(true);
  });
});

describe('createLeakIntakeHandler: anything unverifiable is 401 with no store I/O', () => {
  const setup = async () => {
    const f = await leakFixture();
    const live = await f.keycard.issue({ ownerId: 'u1', label: 'ci' });
    return { f, live, body: f.body([live.token]), calls: f.storeCalls() };
  };
  const expectUntouched = async (s: Awaited<ReturnType<typeof setup>>) => {
    expect(s.f.storeCalls()).toBe(s.calls);
    expect((await s.f.keycard.verify(s.live.token)).ok).toBe(true);
    expect(s.f.notices).toHaveLength(0);
  };

  it('wrong key id, missing headers, a signature by another key, a garbage signature', async () => {
    const s = await setup();
    const other = await providerKey('k1'); // same id, different key: an impostor
    const cases: Request[] = [
      await s.f.report(s.body, { headers: { 'github-public-key-identifier': 'k-unknown' } }),
      await s.f.report(s.body, { key: other }),
      await s.f.report(s.body, { headers: { 'github-public-key-signature': 'MEUCIQ==' } }),
      await s.f.report(s.body, { headers: { 'github-public-key-signature': '%%%' } }),
      new Request('http://localhost/leaks', { method: 'POST', body: s.body }),
      new Request('http://localhost/leaks', {
        method: 'POST',
        body: s.body,
        headers: { 'github-public-key-identifier': 'k1' },
      }),
    ];
    for (const req of cases) {
      const res = await s.f.handler(req);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await res.text()).not.toContain(s.live.token);
    }
    await expectUntouched(s);
  });

  it('a body changed by one byte, truncated, or extended after signing', async () => {
    const s = await setup();
    const bytes = new TextEncoder().encode(s.body);
    const signature = await sign(s.f.key, bytes);
    const headers = { 'github-public-key-identifier': 'k1', 'github-public-key-signature': signature };
    const variants: Uint8Array[] = [];
    for (const at of [0, 10, bytes.length >> 1, bytes.length - 1]) {
      const v = bytes.slice();
      v[at] = v[at]! ^ 0x01;
      variants.push(v);
    }
    variants.push(
      bytes.slice(0, -1),
      bytes.slice(0, bytes.length >> 1),
      new Uint8Array(0),
      Uint8Array.of(...bytes, 0x20),
    );
    for (const v of variants) {
      const res = await s.f.handler(
        new Request('http://localhost/leaks', { method: 'POST', headers, body: v as Uint8Array<ArrayBuffer> }),
      );
      expect(res.status).toBe(401);
    }
    await expectUntouched(s);
  });

  it('a signed body that is not JSON or not an array is 400 and revokes nothing', async () => {
    const s = await setup();
    for (const body of ['[{"token":', '{"token":"x"}', '"x"', 'null', new Uint8Array([0x5b, 0xff, 0x5d])]) {
      const res = await s.f.handler(await s.f.report(body));
      expect(res.status).toBe(400);
      expect(await res.text()).not.toContain(s.live.token);
    }
    await expectUntouched(s);
  });

  it('an oversized body is 413 (announced or streamed), before any verification', async () => {
    const f = await leakFixture({ maxBodyBytes: 2048 });
    const big = JSON.stringify([{ token: 'x'.repeat(3000), type: TYPE, url: '', source: 'content' }]);
    expect((await f.handler(await f.report(big))).status).toBe(413);
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 10; i++) c.enqueue(new Uint8Array(512).fill(0x20));
        c.close();
      },
    });
    const chunked = new Request('http://localhost/leaks', {
      method: 'POST',
      body: stream,
      duplex: 'half',
      headers: { 'github-public-key-identifier': 'k1', 'github-public-key-signature': 'x' },
    } as RequestInit);
    expect((await f.handler(chunked)).status).toBe(413);
    expect(f.fetches()).toBe(0);
  });

  it('refuses other methods with 405', async () => {
    const f = await leakFixture();
    const res = await f.handler(new Request('http://localhost/leaks'));
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('createLeakIntakeHandler: the provider key list', () => {
  it('is fetched once, refetched once on an unknown id at most once a minute, and follows a rotation', async () => {
    const f = await leakFixture();
    const body = f.body(['x']);
    expect((await f.handler(await f.report(body))).status).toBe(200);
    expect(f.fetches()).toBe(1);
    expect((await f.handler(await f.report(body))).status).toBe(200);
    expect(f.fetches()).toBe(1); // cached

    // Under a minute since the last fetch: no refetch, however many unknown ids. The id may be a key
    // published since that fetch, so the answer is 503 with Retry-After (the provider retries), not 401.
    const k2 = await providerKey('k2');
    f.clock.advance(1);
    for (let i = 0; i < 5; i++) {
      const res = await f.handler(await f.report(body, { key: k2 }));
      expect([res.status, res.headers.get('retry-after')]).toEqual([503, '60']);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    expect(f.fetches()).toBe(1);

    f.published.push(k2); // the provider rotates
    f.clock.advance(59_998);
    const late = await f.handler(await f.report(body, { key: k2 }));
    expect([late.status, late.headers.get('retry-after')]).toEqual([503, '1']);
    expect(f.fetches()).toBe(1);
    f.clock.advance(1);
    expect((await f.handler(await f.report(body, { key: k2 }))).status).toBe(200);
    expect(f.fetches()).toBe(2);
    const k3 = await providerKey('k3');
    await Promise.all(Array.from({ length: 20 }, async () => f.handler(await f.report(body, { key: k3 }))));
    expect(f.fetches()).toBe(2);
    f.clock.advance(60_000);
    const answers = await Promise.all(
      Array.from({ length: 20 }, async () => (await f.handler(await f.report(body, { key: k3 }))).status),
    );
    expect(answers.every((s) => s === 401)).toBe(true);
    expect(f.fetches()).toBe(3); // concurrent unknown ids share one fetch
  });

  it('answers 503 when the key list cannot be fetched, then recovers after the interval', async () => {
    const f = await leakFixture();
    f.failFetch(true);
    const live = await f.keycard.issue({ ownerId: 'u1', label: 'ci' });
    const req = async () => f.handler(await f.report(f.body([live.token])));
    expect((await req()).status).toBe(503);
    f.failFetch(false);
    expect((await req()).status).toBe(503); // throttled: no refetch within the minute
    expect(f.fetches()).toBe(1);
    f.clock.advance(60_000);
    expect((await req()).status).toBe(200);
    expect(f.errors).toHaveLength(1);
  });
});
