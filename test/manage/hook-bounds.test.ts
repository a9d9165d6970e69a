/**
 * The management handler's own dependencies under a hang and an outage (SPEC §11 errors, §8 fail
 * closed), through the real handler: the integrator's `authorize` and `can` hooks are bounded by
 * the keycard's `storeTimeoutMs` (a session lookup whose promise never settles is a 503
 * `unavailable` that writes nothing, not a request that waits for ever), and the handler's
 * `onError` reports are coalesced as the core's are (src/core/report.ts): 40 failing requests in
 * one second are 1 report, the other 39 counted in one report at the end of that second (or with
 * the next report of that kind, or at `keycard.close()`, whichever comes first).
 */
import { describe, expect, it } from 'vitest';
import {
  createKeycard,
  createManagementHandler,
  memoryTokenStore,
  type Keycard,
  type ManagementOptions,
  type UserActor,
} from '../../src/index.ts';
import { fakeClock } from '../../src/testing/index.ts';
import { until } from '../mcp-helpers.ts';
import { BASE, ORIGIN, catalogue } from './fixture.ts';

// A bound for the test itself: without the deadline these requests never answer.
const BOUND = 5_000;
const alice: UserActor = { kind: 'user', id: 'alice', scopes: ['read'] };
const never = <T>(): Promise<T> => new Promise<T>(() => {});

function world(options: Partial<ManagementOptions>, storeTimeoutMs = 50) {
  const clock = fakeClock(Date.UTC(2026, 0, 1));
  const store = memoryTokenStore();
  const errors: unknown[] = [];
  const keycard = createKeycard({
    prefix: 'acme',
    scopes: catalogue(),
    store,
    clock,
    storeTimeoutMs,
    onError: () => {}, // the instance's own reports are not what these tests count
  });
  const handler = createManagementHandler(keycard, {
    basePath: BASE,
    authorize: () => alice,
    onError: (e) => void errors.push(e),
    device: false,
    ...options,
  });
  const call = (method: string, path: string, body?: unknown) =>
    handler(
      new Request(`${ORIGIN}${BASE}${path}`, {
        method,
        headers: { origin: ORIGIN, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    );
  return { clock, store, errors, call, keycard };
}

/** Every token alice holds, whatever its status. */
const written = async (keycard: Keycard) =>
  (await keycard.list({ ownerId: 'alice', kind: 'personal', status: 'all', limit: 100 })).records;

async function expect503(r: Response) {
  expect(r.status).toBe(503);
  expect(r.headers.get('content-type')).toBe('application/problem+json');
  const body = (await r.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ status: 503, code: 'unavailable' });
  expect(JSON.stringify(body)).not.toMatch(/timed out|KeycardError|\bat \S+ \(/);
}

describe('an authorize hook that never settles', () => {
  it(
    'GET /tokens: 503 unavailable within storeTimeoutMs, one report naming the timeout',
    { timeout: BOUND },
    async () => {
      const { call, errors } = world({ authorize: never });
      const started = performance.now();
      await expect503(await call('GET', '/tokens'));
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ code: 'unavailable', message: 'authorize() timed out after 50 ms' });
    },
  );

  it('POST /tokens: 503, and no token is written', { timeout: BOUND }, async () => {
    const { call, keycard } = world({ authorize: never });
    await expect503(await call('POST', '/tokens', { label: 'ci', scopes: ['read'] }));
    expect(await written(keycard)).toEqual([]);
  });

  it('uses the keycard’s storeTimeoutMs, not a fixed one', { timeout: BOUND }, async () => {
    const { call, errors } = world({ authorize: never }, 120);
    await expect503(await call('GET', '/tokens'));
    expect(errors[0]).toMatchObject({ message: 'authorize() timed out after 120 ms' });
  });

  it('an authorize that answers in time is unaffected', { timeout: BOUND }, async () => {
    const { call } = world({ authorize: () => new Promise((r) => setTimeout(() => r(alice), 5)) });
    expect((await call('GET', '/tokens')).status).toBe(200);
  });
});

describe('a can hook that never settles', () => {
  it('POST /tokens: 503 unavailable, and no token is written', { timeout: BOUND }, async () => {
    const { call, keycard, errors } = world({ can: never });
    await expect503(await call('POST', '/tokens', { label: 'ci', scopes: ['read'] }));
    expect(await written(keycard)).toEqual([]);
    expect(errors).toHaveLength(1);
  });

  it('a canManageWorkspace that never settles: GET /tokens?workspaceId=… is 503', { timeout: BOUND }, async () => {
    const { call } = world({ canManageWorkspace: never });
    await expect503(await call('GET', '/tokens?workspaceId=w1'));
  });
});

describe('an audit store that never answers', () => {
  it('GET /tokens/:id/activity: 503 unavailable within storeTimeoutMs, one report', { timeout: BOUND }, async () => {
    const { call, errors, keycard } = world({ auditStore: { query: never } });
    const { record } = await keycard.issue({ ownerId: 'alice', label: 'ci', scopes: ['read'] });
    await expect503(await call('GET', `/tokens/${record.id}/activity`));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ message: 'Audit store query timed out after 50 ms' });
  });
});

describe('onError during an outage of the session store', () => {
  const down = () => Promise.reject(new Error('session store: connection refused'));

  it('40 failing requests in one second: 1 report; the next a second later brings the count of the other 39', async () => {
    const { call, errors, clock } = world({ authorize: down });
    for (let i = 0; i < 40; i++) await expect503(await call('GET', '/tokens'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ message: 'session store: connection refused' });
    clock.advance(1000);
    await expect503(await call('GET', '/tokens'));
    expect(errors).toHaveLength(3);
    expect(errors[1]).toMatchObject({
      code: 'unavailable',
      message: '39 more of: "session store: connection refused" within a second, not reported individually',
    });
    expect(errors[2]).toMatchObject({ message: 'session store: connection refused' });
  });

  it('40 failing requests in one second, then silence: the count of the other 39 is reported when the second ends', async () => {
    const { call, errors, clock } = world({ authorize: down });
    for (let i = 0; i < 40; i++) await expect503(await call('GET', '/tokens'));
    expect(errors).toHaveLength(1);
    clock.advance(1000);
    // No further failure comes: the handler's own timer delivers the count (a bounded wait).
    await until(() => errors.length >= 2, 'the count of the other 39');
    expect(errors).toHaveLength(2);
    expect(errors[1]).toMatchObject({
      code: 'unavailable',
      message: '39 more of: "session store: connection refused" within a second, not reported individually',
    });
  });

  it('a count still pending at keycard.close() is reported by close()', async () => {
    const { call, errors, keycard } = world({ authorize: down });
    for (let i = 0; i < 40; i++) await expect503(await call('GET', '/tokens'));
    expect(errors).toHaveLength(1);
    await keycard.close(); // the fake clock has not moved: the second is not over, close() reports it
    expect(errors).toHaveLength(2);
    expect(errors[1]).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/^39 more of: /) });
  });

  it('failures of different kinds in the same second are each reported', async () => {
    const auditStore = { query: () => Promise.reject(new Error('audit store: connection refused')) };
    let sessionDown = false;
    const { call, errors, keycard } = world({
      auditStore,
      authorize: () => (sessionDown ? down() : alice),
    });
    const { record } = await keycard.issue({ ownerId: 'alice', label: 'ci', scopes: ['read'] });
    for (let i = 0; i < 3; i++) await expect503(await call('GET', `/tokens/${record.id}/activity`));
    sessionDown = true;
    for (let i = 0; i < 3; i++) await expect503(await call('GET', '/tokens'));
    expect(errors.map((e) => (e as Error).message)).toEqual([
      'audit store: connection refused',
      'session store: connection refused',
    ]);
  });

  it('an onError that throws changes no answer', async () => {
    const { call } = world({
      authorize: down,
      onError: () => {
        throw new Error('logger broken');
      },
    });
    await expect503(await call('GET', '/tokens'));
    await expect503(await call('GET', '/tokens'));
  });
});
