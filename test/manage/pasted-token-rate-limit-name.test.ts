/**
 * A token pasted as a rate limit's `name` (SPEC §5, §11; "secrets never leak"), the sibling of a
 * token pasted as a restriction id or a workspace id: `POST /tokens` and `PATCH /tokens/:id` took
 * `rateLimit: { limit, window, name: '<a token just copied>' }` (the name is 1 to 64 printable ASCII
 * characters, room for any keycard token) and stored it as given, so the secret stood in the clear
 * in the answer, every later `GET /tokens`, the store and the `RateLimit-Policy` header of every
 * request the new token makes. Such a name is refused as a bad field, naming it; nothing changes.
 */
import { describe, expect, it } from 'vitest';
import { leaks } from '../secret-encodings.ts';
import { BASE, setup } from './fixture.ts';
import { servedDuringSuite } from './servers.ts';

const world = setup();
const served = servedDuringSuite(world.handler);
const MESSAGE = 'must not hold an API token';

describe('a token pasted as a rate limit name is refused, not stored', () => {
  it('POST /tokens on Express and Hono: 400 naming the name, nothing kept or answered', async () => {
    const pasted = await world.create({ label: 'just copied', scopes: ['read'] }, 'alice');
    const cases: [unknown, string][] = [
      [{ limit: 10, window: 60, name: pasted.token }, 'rateLimit.name'],
      [{ limit: 10, window: 60, name: `ci ${pasted.token}` }, 'rateLimit.name'],
      [{ read: { limit: 10, window: 60, name: pasted.token }, write: { limit: 5, window: 60 } }, 'rateLimit.read.name'],
      [
        { read: { limit: 10, window: 60 }, write: { limit: 5, window: 60, name: pasted.token } },
        'rateLimit.write.name',
      ],
    ];
    for (const origin of served.origins) {
      const before = (await world.keycard.list({ status: 'all', limit: 500 })).records.length;
      for (const [rateLimit, field] of cases) {
        const res = await fetch(`${origin}${BASE}/tokens`, {
          method: 'POST',
          headers: { cookie: 'sid=alice', origin, 'content-type': 'application/json' },
          body: JSON.stringify({ label: 'ci', scopes: ['read'], rateLimit }),
        });
        const text = await res.text();
        expect([res.status, leaks(text, pasted.token)], text).toEqual([400, null]);
        expect(JSON.parse(text)).toMatchObject({ code: 'invalid_request', errors: [{ field, message: MESSAGE }] });
      }
      const all = (await world.keycard.list({ status: 'all', limit: 500 })).records;
      expect(all).toHaveLength(before);
      expect(leaks(JSON.stringify(all), pasted.token)).toBeNull();
    }
    expect(leaks(JSON.stringify(world.sink.events) + world.logs.join('\n'), pasted.token)).toBeNull();
  });

  it('PATCH /tokens/:id: 400 naming the name, the limit as it was', async () => {
    const pasted = await world.create({ label: 'just copied', scopes: ['read'] }, 'alice');
    const target = await world.create({ label: 'ci', scopes: ['read'] }, 'alice');
    const res = await world.call('PATCH', `/tokens/${target.record.id}`, {
      as: 'alice',
      body: { rateLimit: { limit: 10, window: 60, name: pasted.token } },
    });
    const text = await res.text();
    expect([res.status, leaks(text, pasted.token)], text).toEqual([400, null]);
    expect(JSON.parse(text)).toMatchObject({ errors: [{ field: 'rateLimit.name', message: MESSAGE }] });
    expect((await world.keycard.get(target.record.id))?.rateLimit).toEqual(target.record.rateLimit);
  });

  it('a name that holds no token still names the limit (control)', async () => {
    const res = await world.call('POST', '/tokens', {
      as: 'alice',
      body: { label: 'ci', scopes: ['read'], rateLimit: { limit: 10, window: 60, name: 'ci-burst' } },
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { record: { rateLimit: { name: string } } }).record.rateLimit.name).toBe('ci-burst');
  });
});
