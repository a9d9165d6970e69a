/**
 * Another issuer's token on a session a keycard token opened (`onForeignToken: 'next'`): refused
 * with 403 on every method, never handed to the transport, and audited like a second keycard token
 * on the session (`request.denied`, `forbidden_resource`), with no token id (the actor is unknown)
 * and coalesced per second (a stranger sends it for free). Driven through real Express and the
 * SDK's transport (test/mcp-app.ts); the clock is frozen so a second's coalescing is exact.
 */
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuthFailure } from '../src/index.ts';
import { fakeClock } from '../src/testing/clock.ts';
import { requestEvents, start, stopApps, type App } from './mcp-app.ts';
import { mcpHeaders, rawSession, until } from './mcp-helpers.ts';

afterAll(stopApps);

const FOREIGN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'; // another issuer's JWT: not keycard's to judge
const LIST = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' });

/** An app whose clock stands still (one coalescing second) and whose auth failures are recorded. */
async function frozen(): Promise<{ a: App; clock: ReturnType<typeof fakeClock>; failures: AuthFailure[] }> {
  const clock = fakeClock();
  const failures: AuthFailure[] = [];
  const a = await start({}, 'gate', 'next', { clock, onAuthFailure: (f) => void failures.push(f) });
  return { a, clock, failures };
}

/** Ends the coalescing second: the next event the trail records flushes it (here: the owner's own request). */
async function nextSecond(a: App, clock: ReturnType<typeof fakeClock>, token: string, sid: string) {
  clock.advance(1000);
  const own = await fetch(`${a.base}/mcp`, { method: 'POST', headers: mcpHeaders(token, sid), body: LIST });
  expect(own.status).toBe(200);
  await own.text();
}

const foreignDenials = (a: App) =>
  requestEvents(a).filter((e) => e.type === 'request.denied' && e.reason === 'forbidden_resource' && !e.tokenId);

/** No trace of the foreign token: not whole, not its signature, not its SHA-256 (hex or base64url). */
function expectNoSecret(a: App) {
  const all = JSON.stringify(a.sink.events);
  const sha = createHash('sha256').update(FOREIGN);
  const digest = sha.digest();
  for (const secret of [FOREIGN, FOREIGN.split('.')[2]!, digest.toString('hex'), digest.toString('base64url')])
    expect(all).not.toContain(secret);
}

describe("onForeignToken: 'next' hands on another issuer's token, but never into a session keycard bound", () => {
  it('a foreign token naming a bound session gets 403 forbidden_resource (session) and never reaches the transport', async () => {
    const a = await start({}, 'gate', 'next');
    const { token } = await a.keycard.issue({ ownerId: 'u1', label: 'reader', scopes: ['read'] });
    const sid = await rawSession(a.base, token);
    const res = await fetch(`${a.base}/mcp`, { method: 'POST', headers: mcpHeaders(FOREIGN, sid), body: LIST });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: 'forbidden_resource', detail: expect.stringContaining('session') });
    // The session's own token still works, and a foreign token with no session (or one keycard
    // never bound) is handed on: the app's handler answers it (400 / 404 in this app).
    const own = await fetch(`${a.base}/mcp`, { method: 'POST', headers: mcpHeaders(token, sid), body: LIST });
    expect([own.status, (await own.text()).includes('list_tickets')]).toEqual([200, true]);
    const none = await fetch(`${a.base}/mcp`, { method: 'POST', headers: mcpHeaders(FOREIGN), body: LIST });
    const other = await fetch(`${a.base}/mcp`, {
      method: 'POST',
      headers: mcpHeaders(FOREIGN, randomUUID()),
      body: LIST,
    });
    expect([none.status, other.status]).toEqual([400, 404]);
  });

  it('the refusal is audited once, like a second keycard token on the session, with no token id and no secret', async () => {
    const { a, clock, failures } = await frozen();
    const owner = await a.keycard.issue({ ownerId: 'u1', label: 'reader', scopes: ['read'] });
    const second = await a.keycard.issue({ ownerId: 'u2', label: 'other', scopes: ['read'] });
    const sid = await rawSession(a.base, owner.token);
    const refuse = (token: string, requestId: string) =>
      fetch(`${a.base}/mcp`, {
        method: 'POST',
        headers: { ...mcpHeaders(token, sid), 'x-request-id': requestId },
        body: LIST,
      });
    expect((await refuse(second.token, 'req-second')).status).toBe(403);
    expect((await refuse(FOREIGN, 'req-foreign')).status).toBe(403);
    await nextSecond(a, clock, owner.token, sid);
    await until(() => foreignDenials(a).length > 0, 'the foreign refusal audited');
    const byKeycard = requestEvents(a).find((e) => e.type === 'request.denied' && e.tokenId === second.record.id);
    const shared = { type: 'request.denied', surface: 'mcp', method: 'POST', path: '/mcp', rpcMethod: 'tools/list' };
    expect(byKeycard).toMatchObject({ ...shared, reason: 'forbidden_resource', requestId: 'req-second' });
    expect(foreignDenials(a)).toEqual([
      {
        ...shared,
        time: expect.any(String),
        requestId: 'req-foreign',
        tokenId: null,
        label: null,
        ownerId: null,
        workspaceId: null,
        reason: 'forbidden_resource',
        count: 1,
      },
    ]);
    expect(failures.filter((f) => f.tokenId === null)).toEqual([
      { code: 'forbidden_resource', method: 'POST', path: '/mcp', tokenId: null },
    ]);
    expectNoSecret(a);
  });

  it('a flood of them within a second is one event with its count; the session and its owner are untouched', async () => {
    const { a, clock } = await frozen();
    const owner = await a.keycard.issue({ ownerId: 'u1', label: 'reader', scopes: ['read'] });
    const sid = await rawSession(a.base, owner.token);
    const charges = a.charges();
    const answers = await Promise.all(
      Array.from({ length: 40 }, () =>
        fetch(`${a.base}/mcp`, { method: 'POST', headers: mcpHeaders(FOREIGN, sid), body: LIST }).then(
          async (r) => (await r.text(), r.status),
        ),
      ),
    );
    expect(new Set(answers)).toEqual(new Set([403]));
    expect(a.charges()).toBe(charges); // a foreign token is never charged: hence the coalescing
    await nextSecond(a, clock, owner.token, sid);
    await until(() => foreignDenials(a).length > 0, 'the flood audited');
    expect(foreignDenials(a).map((e) => e.count)).toEqual([40]);
    expectNoSecret(a);
  });

  it('DELETE of a bound session with a foreign token is refused (and audited); the session lives on', async () => {
    const { a, clock } = await frozen();
    const owner = await a.keycard.issue({ ownerId: 'u1', label: 'reader', scopes: ['read'] });
    const sid = await rawSession(a.base, owner.token);
    const del = await fetch(`${a.base}/mcp`, { method: 'DELETE', headers: mcpHeaders(FOREIGN, sid) });
    expect([del.status, ((await del.json()) as { code: string }).code]).toEqual([403, 'forbidden_resource']);
    // A batch is refused before any token is read, foreign or not: 400, and the session is untouched.
    const batch = await fetch(`${a.base}/mcp`, {
      method: 'POST',
      headers: mcpHeaders(FOREIGN, sid),
      body: `[${LIST}]`,
    });
    expect(batch.status).toBe(400);
    expect(a.sessions.has(sid)).toBe(true);
    await nextSecond(a, clock, owner.token, sid);
    await until(() => foreignDenials(a).length > 0, 'the DELETE audited');
    expect(foreignDenials(a)).toMatchObject([{ method: 'DELETE', tokenId: null, count: 1 }]);
    expect(foreignDenials(a)[0]).not.toHaveProperty('rpcMethod');
  });
});
