/**
 * The device routes under hostile or careless input: bodies that never end (the program's two
 * routes need no credentials), restrictions the instance cannot issue, which must be refused
 * when the login starts, not after a person approved it, and a poll racing the person's answer.
 */
import { describe, expect, it } from 'vitest';
import { createKeycard, defineScopes, type Actor } from '../index.ts';
import { fakeClock } from '../testing/clock.ts';
import { memoryPendingGrantStore } from './grant-store.ts';
import { createDeviceRoutes } from './routes.ts';

const ORIGIN = 'https://app.example';
const GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const scopes = defineScopes({ read: { description: 'Read tickets' } });
const jason: Actor = { kind: 'user', id: 'u_jason', scopes: ['read'] };
const session = { cookie: 'session=jason', origin: ORIGIN };

function setup(resources?: string[]) {
  const clock = fakeClock();
  const keycard = createKeycard({ prefix: 'toado', scopes, clock, ...(resources ? { resources } : {}) });
  const store = memoryPendingGrantStore();
  const routes = createDeviceRoutes(keycard, {
    basePath: '/api/tokens',
    store,
    authorize: (r) => (r.headers.get('cookie') === 'session=jason' ? jason : null),
  });
  const post = async (path: string, body: BodyInit, headers: Record<string, string> = {}) => {
    const init = {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body,
      duplex: 'half',
    };
    return (await routes(new Request(`${ORIGIN}/api/tokens/device${path}`, init as RequestInit)))!;
  };
  return { clock, keycard, store, post };
}

/** A body of `total` bytes of `a`, streamed in 64 KiB chunks, counting what the handler pulled. */
function endless(total: number) {
  const chunk = new TextEncoder().encode('a'.repeat(65_536));
  const seen = { pulled: 0 };
  const body = new ReadableStream<Uint8Array>(
    {
      pull(c) {
        if (seen.pulled >= total) return c.close();
        seen.pulled += chunk.byteLength;
        c.enqueue(chunk);
      },
    },
    { highWaterMark: 0 },
  );
  return { body, seen };
}

describe('device routes: a body past 16 KiB is refused without being read whole', () => {
  for (const path of ['/code', '/token', '/approve', '/deny'])
    it(`POST /device${path}: 64 MiB streamed are cut at the first chunk over the cap`, async () => {
      const { post, store } = setup();
      const { body, seen } = endless(64 * 1024 * 1024);
      const r = await post(path, body, path === '/code' || path === '/token' ? {} : session);
      expect(r.status).toBe(path === '/code' || path === '/token' ? 400 : 413);
      if (path === '/code' || path === '/token')
        expect(await r.json()).toEqual({ error: 'invalid_request', error_description: 'The body exceeds 16384 bytes' });
      expect(seen.pulled).toBeLessThanOrEqual(2 * 65_536);
      expect(await store.prune(Number.MAX_SAFE_INTEGER)).toBe(0); // nothing was stored
    });

  it('an announced Content-Length over the cap is refused before reading', async () => {
    const { post } = setup();
    const { body, seen } = endless(1024 * 1024);
    const r = await post('/code', body, { 'content-length': String(1024 * 1024) });
    expect(r.status).toBe(400);
    expect(seen.pulled).toBe(0);
  });

  it('a form just under the cap still works', async () => {
    const { post } = setup();
    const r = await post('/code', `client_id=c&scope=read&pad=${'x'.repeat(16_000)}`);
    expect(r.status).toBe(200);
  });
});

describe('device routes: restrictions are checked when the login starts', () => {
  const start = (post: ReturnType<typeof setup>['post'], restrictions: string) =>
    post('/code', `client_id=c&scope=read&restrictions=${encodeURIComponent(restrictions)}`);

  it('refuses an undeclared resource type, and any restriction on an instance without resources', async () => {
    const withTypes = setup(['company', 'project']);
    const r1 = await start(withTypes.post, '{"bogus":["x"]}');
    expect(r1.status).toBe(400);
    expect(await r1.json()).toMatchObject({
      error: 'invalid_request',
      error_description: expect.stringMatching(/bogus/),
    });
    const r2 = await start(withTypes.post, `{"company":["${'c'.repeat(257)}"]}`);
    expect(r2.status).toBe(400);
    const r3 = await start(withTypes.post, '{"company":["c\\u0000"]}');
    expect(r3.status).toBe(400);
    const bare = setup();
    const r4 = await start(bare.post, '{"company":["c1"]}');
    expect(r4.status).toBe(400);
    expect(await r4.json()).toMatchObject({ error: 'invalid_request' });
    expect(await withTypes.store.prune(Number.MAX_SAFE_INTEGER)).toBe(0);
  });

  it('what it accepts, it issues: approve then poll gives a token with those restrictions', async () => {
    const { post, clock, keycard } = setup(['company', 'project']);
    const r = await start(post, '{"project":["p2","p1","p1"],"company":["c1"]}');
    expect(r.status).toBe(200);
    const a = (await r.json()) as { device_code: string; user_code: string };
    expect((await post('/approve', `user_code=${a.user_code}&scope=read&expires=90d`, session)).status).toBe(200);
    clock.advance(5000);
    const got = await post(
      '/token',
      `grant_type=${encodeURIComponent(GRANT)}&device_code=${a.device_code}&client_id=c`,
    );
    expect(got.status).toBe(200);
    const { token_id } = (await got.json()) as { token_id: string };
    expect((await keycard.get(token_id))?.restrictions).toEqual({ company: ['c1'], project: ['p1', 'p2'] });
  });
});

describe('device routes: a poll landing while the person approves', () => {
  for (const verdict of ['approve', 'deny'] as const)
    it(`${verdict}: the poll's own bump of the grant is not "answered in another window"`, async () => {
      const { clock, keycard } = setup();
      const store = memoryPendingGrantStore();
      let interleave: (() => Promise<unknown>) | null = null;
      // The real memory store; a program's poll runs between the page's read of the grant and its write.
      const racing = {
        ...store,
        update: async (...args: Parameters<typeof store.update>) => {
          const poll = interleave;
          interleave = null;
          if (poll && args[2].status !== undefined) await poll();
          return store.update(...args);
        },
      };
      const routes = createDeviceRoutes(keycard, {
        basePath: '/api/tokens',
        store: racing,
        authorize: (r) => (r.headers.get('cookie') === 'session=jason' ? jason : null),
      });
      const post = async (path: string, body: string, headers: Record<string, string> = {}) =>
        (await routes(
          new Request(`${ORIGIN}/api/tokens/device${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
            body,
          }),
        ))!;
      const a = (await (await post('/code', 'client_id=c&scope=read')).json()) as {
        device_code: string;
        user_code: string;
      };
      const poll = () =>
        post('/token', `grant_type=${encodeURIComponent(GRANT)}&device_code=${a.device_code}&client_id=c`);
      clock.advance(5000);
      interleave = async () =>
        expect(((await (await poll()).json()) as { error: string }).error).toBe('authorization_pending');
      const form =
        verdict === 'approve' ? `user_code=${a.user_code}&scope=read&expires=90d` : `user_code=${a.user_code}`;
      expect((await post(`/${verdict}`, form, session)).status).toBe(200);
      clock.advance(5000);
      const got = await poll();
      expect(got.status).toBe(verdict === 'approve' ? 200 : 400);
      if (verdict === 'deny') expect(((await got.json()) as { error: string }).error).toBe('access_denied');
    });
});
