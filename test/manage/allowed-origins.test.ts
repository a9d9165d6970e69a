/**
 * SPEC §11 CSRF with `allowedOrigins` set, on the token routes (only the device routes had a
 * test of it): a settings page served from another origin than the API (https://app.example in
 * front of the API at 127.0.0.1) may change tokens with its session; the list replaces the
 * default, so the API's own origin is no longer let in by `Origin`; `Sec-Fetch-Site: same-origin`
 * still is; any other origin is 403 `forbidden` on every state-changing route and changes
 * nothing; a bearer token is exempt; reads are not checked. Through a real Express server.
 */
import express from 'express';
import { beforeEach, describe, expect, it } from 'vitest';
import { expressHandler } from '../../src/adapters/express.ts';
import { listen } from '../express-serve.ts';
import { BASE, setup } from './fixture.ts';

const APP = 'https://app.example';

describe('allowedOrigins on the management routes', () => {
  let w: ReturnType<typeof setup>;
  let base = '';
  let own = '';
  beforeEach(async () => {
    w = setup({ allowedOrigins: [APP] });
    const app = express();
    app.use(BASE, expressHandler(w.handler));
    own = `http://127.0.0.1:${await listen(app)}`;
    base = `${own}${BASE}`;
  });

  const send = (method: string, path: string, headers: Record<string, string>, body?: unknown) =>
    fetch(`${base}${path}`, {
      method,
      headers: { cookie: 'sid=alice', 'content-type': 'application/json', ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  /** Creates a token from the listed origin; answers the 201 body. */
  const create = async (body: Record<string, unknown>) =>
    (await (await send('POST', '/tokens', { origin: APP }, body)).json()) as { token: string; record: { id: string } };
  /** alice's tokens as `label:status`, sorted, read as the keycard holds them. */
  const state = async () =>
    (await w.keycard.list({ ownerId: 'alice', status: 'all', limit: 500 })).records
      .map((r) => `${r.label}:${r.revokedAt === null ? 'live' : 'revoked'}:${r.scopes.join('+')}`)
      .sort();

  it('a listed origin creates, changes, rotates and revokes with the session', async () => {
    const created = await send('POST', '/tokens', { origin: APP }, { label: 'from app', scopes: ['comments'] });
    expect(created.status).toBe(201);
    const { record } = (await created.json()) as { record: { id: string } };
    expect((await send('PATCH', `/tokens/${record.id}`, { origin: APP }, { scopes: ['read'] })).status).toBe(200);
    const rotated = await send('POST', `/tokens/${record.id}/rotate`, { origin: APP }, {});
    expect(rotated.status).toBe(201);
    const next = ((await rotated.json()) as { record: { id: string } }).record.id;
    expect((await send('POST', `/tokens/${next}/revoke`, { origin: APP }, {})).status).toBe(200);
    await create({ label: 'second', scopes: ['read'] });
    const all = await send(
      'POST',
      '/tokens/revoke-all',
      { origin: APP },
      { target: { ownerId: 'alice' }, reason: 'r' },
    );
    expect([all.status, await all.json()]).toEqual([200, { count: 1 }]);
  });

  it.each([
    ['the API’s own origin (the list replaces the default)', () => own],
    ['another site', () => 'https://evil.example'],
    ['a lookalike of the listed one', () => 'https://app.example.evil.example'],
    ['the listed host over http', () => 'http://app.example'],
    ['no Origin at all', () => null],
  ])('%s: 403 forbidden on every state-changing route, nothing changed', async (_, origin) => {
    const { record } = await create({ label: 'kept', scopes: ['comments'] });
    const before = await state();
    const o = origin();
    const headers: Record<string, string> = o === null ? {} : { origin: o };
    const tries: [string, string, unknown][] = [
      ['POST', '/tokens', { label: 'forged', scopes: ['read'] }],
      ['PATCH', `/tokens/${record.id}`, { scopes: ['read'] }],
      ['POST', `/tokens/${record.id}/rotate`, {}],
      ['POST', `/tokens/${record.id}/revoke`, {}],
      ['POST', '/tokens/revoke-all', { target: { ownerId: 'alice' }, reason: 'r' }],
    ];
    for (const [method, path, body] of tries) {
      const res = await send(method, path, headers, body);
      expect([method, path, res.status, ((await res.json()) as { code: string }).code]).toEqual([
        method,
        path,
        403,
        'forbidden',
      ]);
    }
    expect(await state()).toEqual(before);
  });

  it('Sec-Fetch-Site: same-origin is still let in (a browser’s own fetch), cross-site is not', async () => {
    const ok = await send('POST', '/tokens', { 'sec-fetch-site': 'same-origin' }, { label: 'same', scopes: ['read'] });
    expect(ok.status).toBe(201);
    const bad = await send(
      'POST',
      '/tokens',
      { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
      { label: 'cross', scopes: ['read'] },
    );
    expect(bad.status).toBe(403);
    expect(await state()).toEqual(['same:live:read']);
  });

  it('a bearer token with the management scope is exempt; reads with the session are not checked', async () => {
    const manager = await create({ label: 'manager', scopes: ['manage', 'read'] });
    const res = await fetch(`${base}/tokens`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${manager.token}`,
        origin: 'https://evil.example',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ label: 'by token', scopes: ['read'] }),
    });
    expect(res.status).toBe(201);
    const list = await send('GET', '/tokens', { origin: 'https://evil.example' });
    expect(list.status).toBe(200);
  });
});
