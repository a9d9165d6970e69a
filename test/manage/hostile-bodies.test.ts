/**
 * Hostile JSON bodies (adversarial review of the management API): nesting deep enough to overflow
 * a recursive validator, `__proto__` keys that a parser keeps as data but a record schema drops,
 * and a body stream that fails half-way. Each is a 400 naming the field, never a 500, and nothing
 * is written.
 */
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import express from 'express';
import { describe, expect, onTestFinished, test } from 'vitest';
import { expressHandler } from '../../src/adapters/express.ts';
import { BASE, ORIGIN, setup } from './fixture.ts';

const JSON_HEADERS = { 'content-type': 'application/json' };
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

interface Problem {
  code: string;
  errors?: { field: string; message: string }[];
}

/** Every token of alice, all statuses: what a refused request must leave unchanged. */
const aliceTokens = async (s: ReturnType<typeof setup>) =>
  (await s.keycard.list({ ownerId: 'alice', status: 'all', limit: 500 })).records.map((r) => r.id);

describe('JSON nested deeper than a validator can recurse', () => {
  const bodies: [string, string, string][] = [
    ['POST', '/tokens', `{"label":"x","scopes":["read"],"metadata":{"a":${nested(7000)}}}`],
    ['POST', '/tokens', `{"label":${nested(7000)}}`],
    ['PATCH', '/tokens/:id', `{"metadata":{"a":${nested(7000)}}}`],
  ];
  test.each(bodies)('%s %s: 400 invalid_request naming the body, nothing written', async (method, path, raw) => {
    const s = setup();
    const { record } = await s.create();
    const before = JSON.stringify(await s.store.get(record.id));
    const ids = await aliceTokens(s);
    expect(raw.length).toBeLessThan(16_384);
    const res = await s.call(method, path.replace(':id', record.id), { raw, headers: JSON_HEADERS });
    const body = (await res.json()) as Problem;
    expect(res.status, JSON.stringify(body)).toBe(400);
    expect(body.code).toBe('invalid_request');
    expect(body.errors).toEqual([{ field: 'body', message: expect.stringMatching(/nests deeper than \d+ levels/) }]);
    expect(s.logs).toEqual([]);
    expect(await aliceTokens(s)).toEqual(ids);
    expect(JSON.stringify(await s.store.get(record.id))).toBe(before);
  });

  test('nesting the schemas allow still works (metadata 30 levels deep)', async () => {
    const s = setup();
    const res = await s.call('POST', '/tokens', {
      raw: `{"label":"x","scopes":["read"],"metadata":{"a":${nested(30)}}}`,
      headers: JSON_HEADERS,
    });
    expect(res.status).toBe(201);
  });
});

describe('__proto__ keys in a body are refused, not silently dropped', () => {
  test.each([
    ['restrictions', '{"restrictions":{"__proto__":["c1"]}}', ['restrictions.__proto__']],
    [
      'metadata, at any depth',
      '{"metadata":{"__proto__":{"polluted":1},"a":[{"__proto__":null}]}}',
      ['metadata.__proto__', 'metadata.a.0.__proto__'],
    ],
  ])('create with a __proto__ key in %s: 400 naming each, not a token without it', async (_where, extra, fields) => {
    const s = setup();
    const ids = await aliceTokens(s);
    const raw = `{"label":"x","scopes":["read"],${extra.slice(1)}`;
    const res = await s.call('POST', '/tokens', { raw, headers: JSON_HEADERS });
    const body = (await res.json()) as Problem;
    expect(res.status, JSON.stringify(body)).toBe(400);
    expect(body.errors!.map((e) => e.field)).toEqual(fields);
    expect(await aliceTokens(s)).toEqual(ids);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  test('PATCH metadata {"__proto__": …}: 400, the record unchanged', async () => {
    const s = setup();
    const { record } = await s.create({ label: 'ci', scopes: ['read'], metadata: { team: 'infra' } });
    const before = JSON.stringify(await s.store.get(record.id));
    const res = await s.call('PATCH', `/tokens/${record.id}`, {
      raw: '{"metadata":{"team":"ops","__proto__":{"x":1}}}',
      headers: JSON_HEADERS,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Problem).errors).toEqual([
      { field: 'metadata.__proto__', message: expect.any(String) },
    ]);
    expect(JSON.stringify(await s.store.get(record.id))).toBe(before);
  });

  test('constructor and prototype keys are ordinary data and kept', async () => {
    const s = setup();
    const res = await s.call('POST', '/tokens', {
      raw: '{"label":"x","scopes":["read"],"metadata":{"constructor":{"prototype":{"p":1}}}}',
      headers: JSON_HEADERS,
    });
    expect(res.status).toBe(201);
    const { record } = (await res.json()) as { record: { id: string } };
    expect((await s.store.get(record.id))!.metadata).toEqual({ constructor: { prototype: { p: 1 } } });
  });
});

test('a body stream that fails half-way is a 400, not a 500 reported as a bug', async () => {
  const s = setup();
  const ids = await aliceTokens(s);
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new TextEncoder().encode('{"label":'));
      c.error(new Error('connection reset'));
    },
  });
  const res = await s.handler(
    new Request(`${ORIGIN}${BASE}/tokens`, {
      method: 'POST',
      body,
      duplex: 'half',
      headers: { cookie: 'sid=alice', origin: ORIGIN, ...JSON_HEADERS },
    } as RequestInit),
  );
  expect(res.status).toBe(400);
  expect(((await res.json()) as Problem).errors).toEqual([{ field: 'body', message: 'could not be read' }]);
  expect(s.logs).toEqual([]);
  expect(await aliceTokens(s)).toEqual(ids);
});

describe('values the store cannot keep (a NUL, a lone surrogate)', () => {
  test('PATCH names the body members, as POST does (not `body`), and changes nothing', async () => {
    const s = setup();
    const { record } = await s.create();
    const before = JSON.stringify(await s.store.get(record.id));
    const res = await s.call('PATCH', `/tokens/${record.id}`, {
      body: { label: 'a\u0000b', metadata: { m: '\ud800' } },
    });
    const body = (await res.json()) as Problem;
    expect(res.status, JSON.stringify(body)).toBe(400);
    expect(body.errors?.map((e) => e.field)).toEqual(['label', 'metadata']);
    // Each member's own message, in the body's names (not the whole `update: patch.…` message).
    expect(body.errors?.map((e) => e.message)).toEqual([
      'label must not contain NUL characters or lone surrogates',
      'metadata is not storable JSON: metadata.m must not contain NUL characters or lone surrogates',
    ]);
    const created = await s.call('POST', '/tokens', { body: { label: 'a\u0000b', metadata: { m: '\ud800' } } });
    expect(((await created.json()) as Problem).errors?.map((e) => e.field)).toEqual(['label', 'metadata']);
    expect(JSON.stringify(await s.store.get(record.id))).toBe(before);
  });
});

describe('through real Express', () => {
  test('deep nesting and __proto__ keys: 400 problem bodies, nothing written', async () => {
    const s = setup();
    const app = express();
    app.use(BASE, expressHandler(s.handler));
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    onTestFinished(() => void server.close());
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const ids = await aliceTokens(s);
    for (const raw of [
      `{"label":"x","metadata":{"a":${nested(7000)}}}`,
      '{"label":"x","scopes":["read"],"restrictions":{"__proto__":["c1"]}}',
    ]) {
      const res = await fetch(`${origin}${BASE}/tokens`, {
        method: 'POST',
        headers: { cookie: 'sid=alice', origin, ...JSON_HEADERS },
        body: raw,
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(((await res.json()) as Problem).code).toBe('invalid_request');
    }
    expect(await aliceTokens(s)).toEqual(ids);
    expect(s.logs).toEqual([]);
  });
});
