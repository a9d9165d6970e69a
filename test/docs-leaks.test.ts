/**
 * Claims of docs/leaks.md not held by the intake's other tests: the key list is refreshed after an
 * hour, so a key the provider withdrew stops being trusted (401, no store I/O), while a refresh that
 * fails keeps the keys held working; a UTF-8 byte-order mark before the JSON is tolerated; a `type`,
 * `url` or `source` longer than 8,192 characters reads as "".
 */
import { describe, expect, it } from 'vitest';
import { leakFixture, providerKey, TYPE } from './leaks-fixture.ts';

const HOUR = 3_600_000;

describe('docs/leaks.md: the key list is refreshed after an hour', () => {
  it('a key the provider withdrew is refused (401) once the hour is up, and nothing is read from the store', async () => {
    const f = await leakFixture();
    const live = await f.keycard.issue({ ownerId: 'u1', label: 'ci' });
    expect((await f.handler(await f.report(f.body(['x'])))).status).toBe(200);
    f.published.splice(0, f.published.length, await providerKey('k2')); // k1 withdrawn
    f.clock.advance(HOUR - 1);
    expect((await f.handler(await f.report(f.body(['x'])))).status).toBe(200); // still within the hour
    expect(f.fetches()).toBe(1);
    f.clock.advance(1);
    const before = f.storeCalls();
    const res = await f.handler(await f.report(f.body([live.token])));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Signature realm="github-secret-scanning"');
    expect(f.fetches()).toBe(2);
    expect(f.storeCalls()).toBe(before);
    expect((await f.keycard.verify(live.token)).ok).toBe(true);
  });

  it('a refresh that fails keeps the keys held working', async () => {
    const f = await leakFixture();
    const live = await f.keycard.issue({ ownerId: 'u1', label: 'ci' });
    expect((await f.handler(await f.report(f.body(['x'])))).status).toBe(200);
    f.failFetch(true);
    f.clock.advance(HOUR);
    const res = await f.handler(await f.report(f.body([live.token])));
    expect(res.status).toBe(200);
    expect(f.fetches()).toBe(2);
    expect(f.errors).toHaveLength(1);
    expect((await f.keycard.verify(live.token)).ok).toBe(false);
  });
});

describe('docs/leaks.md: the body', () => {
  it('tolerates a UTF-8 byte-order mark before the JSON', async () => {
    const f = await leakFixture();
    const live = await f.keycard.issue({ ownerId: 'u1', label: 'ci' });
    const res = await f.handler(await f.report(`\uFEFF${f.body([live.token])}`));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { label: string }[]).map((a) => a.label)).toEqual(['true_positive']);
  });

  it('reads a type, url or source of 8,192 characters as sent, and one longer as ""', async () => {
    const f = await leakFixture();
    const a = await f.keycard.issue({ ownerId: 'u1', label: 'a' });
    const b = await f.keycard.issue({ ownerId: 'u1', label: 'b' });
    const at = 'u'.repeat(8_192);
    const body = JSON.stringify([
      { token: a.token, type: TYPE, url: at, source: 's'.repeat(8_192) },
      { token: b.token, type: 't'.repeat(8_193), url: `${at}x`, source: 's'.repeat(8_193) },
    ]);
    const res = await f.handler(await f.report(body));
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { token_type: string; label: string }[];
    expect(answer.map((x) => [x.token_type.length, x.label])).toEqual([
      [TYPE.length, 'true_positive'],
      [0, 'true_positive'],
    ]);
    const byToken = new Map(f.notices.map((n) => [n.record.id, n]));
    expect(byToken.get(a.record.id)).toMatchObject({ url: at, type: TYPE });
    expect(byToken.get(a.record.id)!.source).toHaveLength(8_192);
    expect(byToken.get(b.record.id)).toMatchObject({ url: '', type: '', source: '' });
  });
});
