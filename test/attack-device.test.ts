/**
 * A hostile program (or a departing member) playing the device flow's timing (SPEC §13, §3):
 * the person approves, the program holds the device code without polling, the member is
 * offboarded with "Revoke all" (SPEC §3: "member left" is `revokeAll`), and the program polls
 * within the code's lifetime. The token the approval authorised must be covered by that
 * revokeAll as if it had been issued at the approval, on every token store.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createKeycard, createManagementHandler, defineScopes, memoryAuditSink, type Keycard } from '../src/index.ts';
import { fakeClock } from '../src/testing/index.ts';
import { DEVICE_ISSUE, type DeviceIssue } from '../src/device/port.ts';
import { BACKENDS } from './store-backends.ts';

const ORIGIN = 'https://app.example';
const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';
const jason = { kind: 'user' as const, id: 'u_jason', scopes: ['read', 'write'] };

describe('approve, then "Revoke all" for the approver, then the first poll', () => {
  let closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });

  for (const backend of BACKENDS) {
    it(`${backend.name}: the poll gets no live token, and nothing is audited as issued`, async () => {
      const { store, close } = await backend.open();
      const clock = fakeClock();
      const audit = memoryAuditSink();
      const keycard: Keycard = createKeycard({
        prefix: 'toado',
        scopes: defineScopes({ read: { description: 'Read' }, write: { implies: ['read'] } }),
        store,
        clock,
        audit: [audit],
      });
      closers.push(async () => void (await keycard.close(), await close()));
      const handle = createManagementHandler(keycard, {
        basePath: '/api/tokens',
        authorize: (r) => (r.headers.get('cookie') === 'session=jason' ? jason : null),
      });
      const post = (path: string, body: Record<string, string>, headers: Record<string, string> = {}) =>
        handle(
          new Request(`${ORIGIN}/api/tokens/device${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
            body: new URLSearchParams(body).toString(),
          }),
        );

      const started = (await (
        await post('/code', { client_id: 'toado-cli', host: 'laptop', scope: 'read' })
      ).json()) as {
        device_code: string;
        user_code: string;
      };
      const approved = await post(
        '/approve',
        { user_code: started.user_code, scope: 'read', expires: '30d' },
        { cookie: 'session=jason', origin: ORIGIN },
      );
      expect(approved.status).toBe(200);
      clock.advance(1_000);
      await keycard.revokeAll({ ownerId: jason.id }, { reason: 'member left' });
      clock.advance(60_000); // the program waited, still within the code's 10 minutes

      const polled = await post('/token', {
        grant_type: GRANT_TYPE,
        device_code: started.device_code,
        client_id: 'toado-cli',
      });
      const answer = (await polled.json()) as Record<string, unknown>;
      expect(polled.status).toBe(400);
      expect(answer).toMatchObject({ error: 'access_denied' });
      expect(JSON.stringify(answer)).not.toContain(started.device_code);
      const live = await keycard.list({ ownerId: jason.id, status: 'active' });
      expect(live.records).toEqual([]);
      await keycard.close();
      expect(audit.events.filter((e) => e.type === 'token.issued')).toEqual([]);
    });
  }

  it('an approval after the revokeAll still issues a live token (the person chose again)', async () => {
    const clock = fakeClock();
    const keycard = createKeycard({
      prefix: 'toado',
      scopes: defineScopes({ read: { description: 'Read' } }),
      clock,
    });
    const handle = createManagementHandler(keycard, { basePath: '/api/tokens', authorize: () => jason });
    const post = (path: string, body: Record<string, string>) =>
      handle(
        new Request(`${ORIGIN}/api/tokens/device${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
          body: new URLSearchParams(body).toString(),
        }),
      );
    const started = (await (await post('/code', { client_id: 'toado-cli', scope: 'read' })).json()) as {
      device_code: string;
      user_code: string;
    };
    await keycard.revokeAll({ ownerId: jason.id }, { reason: 'rotate everything' });
    clock.advance(1_000);
    expect((await post('/approve', { user_code: started.user_code, scope: 'read', expires: '30d' })).status).toBe(200);
    clock.advance(5_000);
    const polled = await post('/token', {
      grant_type: GRANT_TYPE,
      device_code: started.device_code,
      client_id: 'toado-cli',
    });
    expect(polled.status).toBe(200);
    const { token_id } = (await polled.json()) as { token_id: string };
    const record = await keycard.get(token_id);
    expect(record).toMatchObject({ revokedAt: null, ownerId: jason.id });
    await keycard.close();
  });
});

describe("the device routes' internal issue door, called with a hostile instant", () => {
  it.each([
    ['NaN', Number.NaN],
    ['the epoch', 0],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['a fraction', 1.5],
    ['the future', Number.MAX_SAFE_INTEGER],
  ])('%s: the token is created within the hour before now (the longest device-code life)', async (_n, at) => {
    const keycard = createKeycard({ prefix: 'toado', scopes: defineScopes({ read: {} }) });
    const door = (keycard as unknown as Record<symbol, DeviceIssue>)[DEVICE_ISSUE]!;
    const { record } = await door({ ownerId: 'u1', label: 'cli', scopes: ['read'] }, at);
    const now = Date.now();
    expect(Number.isInteger(record.createdAt)).toBe(true);
    expect(record.createdAt).toBeLessThanOrEqual(now);
    expect(record.createdAt).toBeGreaterThanOrEqual(now - 3_600_000 - 5_000);
    await keycard.close();
  });
});
