/**
 * Where a token's lifetime enters, its bound (SPEC §2 "custom" expiry; house rule: bad input gets
 * a clear answer naming the field, and nothing is written). The latest expiry is
 * 9999-12-31T23:59:59.999Z: every answer writes `expiresAt` as an ISO 8601 string, and past year
 * 9999 that is `+010000-…`, which the API's own inputs refuse and RFC 3339 readers (Go's
 * time.RFC3339, Python's datetime) cannot read. Before, `issue()` and `POST /tokens` took any
 * instant up to 8.64e15 (year 275760), and a rotation counted the old lifetime from now past it.
 */
import { describe, expect, it } from 'vitest';
import { createKeycard, defineScopes, isKeycardError, memoryTokenStore } from '../src/index.ts';
import { fakeClock } from '../src/testing/index.ts';
import { deviceLogin } from '../src/cli/index.ts';
import { setup } from './manage/fixture.ts';

const LAST = Date.UTC(9999, 11, 31, 23, 59, 59, 999); // 253402300799999
const scopes = defineScopes({ read: {} }, { defaults: ['read'] });

async function fieldsOf(call: Promise<unknown>): Promise<readonly string[] | 'accepted'> {
  try {
    await call;
    return 'accepted';
  } catch (e) {
    if (!isKeycardError(e) || e.code !== 'invalid_argument') throw e;
    return e.fields ?? [];
  }
}

describe('issue(): the last expiry is 9999-12-31T23:59:59.999Z', () => {
  it('an expiresAt past it, not a Date, NaN, negative or infinite: invalid_argument naming expiresAt, nothing written', async () => {
    const store = memoryTokenStore();
    const kc = createKeycard({ prefix: 'acme', scopes, store });
    const bad: unknown[] = [
      LAST + 1,
      Date.UTC(10000, 0, 1),
      8.64e15,
      8.64e15 + 1,
      new Date(NaN),
      NaN,
      -1,
      Infinity,
      '2030-01-01',
    ];
    for (const expiresAt of bad)
      expect(
        await fieldsOf(kc.issue({ ownerId: 'u1', label: 'a', expiresAt: expiresAt as number })),
        String(expiresAt),
      ).toEqual(['expiresAt']);
    expect((await kc.list({ ownerId: 'u1', status: 'all' })).records).toEqual([]);
    expect(await fieldsOf(kc.issue({ ownerId: 'u1', label: 'a', expiresAt: LAST }))).toBe('accepted');
    expect(await fieldsOf(kc.issue({ ownerId: 'u1', label: 'a', expiresAt: new Date(LAST) }))).toBe('accepted');
    await kc.close();
  });

  it('an expiresIn ending past it, or not a positive whole number: invalid_argument naming expiresIn', async () => {
    const clock = fakeClock(Date.UTC(2026, 0, 1));
    const kc = createKeycard({ prefix: 'acme', scopes, clock });
    const room = LAST - clock.now();
    for (const expiresIn of [room + 1, 8.64e15, 0, -1, 1.5, NaN, Infinity, '1d'])
      expect(
        await fieldsOf(kc.issue({ ownerId: 'u1', label: 'a', expiresIn: expiresIn as number })),
        String(expiresIn),
      ).toEqual(['expiresIn']);
    const { record } = await kc.issue({ ownerId: 'u1', label: 'a', expiresIn: room });
    expect(record.expiresAt).toBe(LAST);
    await kc.close();
  });

  it('a rotation never counts the old lifetime past it: the successor ends at 9999-12-31T23:59:59.999Z', async () => {
    const clock = fakeClock(Date.UTC(2026, 0, 1));
    const kc = createKeycard({ prefix: 'acme', scopes, clock });
    const { record } = await kc.issue({ ownerId: 'u1', label: 'a', expiresAt: LAST });
    clock.advance(86_400_000);
    const rotated = await kc.rotate(record.id);
    expect(rotated.record.expiresAt).toBe(LAST);
    await kc.close();
  });
});

describe('POST /tokens: the same bound, a 400 naming the field', () => {
  it('expiresAt past 9999 (epoch ms or ISO) and expiresIn past its bound are refused; nothing is created', async () => {
    const w = setup();
    const answers = [];
    for (const body of [
      { expiresAt: LAST + 1 },
      { expiresAt: 8.64e15 },
      { expiresAt: '+010000-01-01T00:00:00Z' },
      { expiresAt: '9999-12-31T23:59:59-01:00' }, // year 10000 in UTC
      { expiresAt: -1 },
      { expiresIn: 8_640_000_000_001 },
      { expiresIn: 0 },
      { expiresIn: -5 },
    ]) {
      const res = await w.call('POST', '/tokens', { body: { label: 'ci', scopes: ['read'], ...body } });
      const problem = (await res.json()) as { errors?: { field: string }[] };
      answers.push([res.status, problem.errors?.map((e) => e.field)]);
    }
    expect(answers).toEqual([
      [400, ['expiresAt']],
      [400, ['expiresAt']],
      [400, ['expiresAt']],
      [400, ['expiresAt']],
      [400, ['expiresAt']],
      [400, ['expiresIn']],
      [400, ['expiresIn']],
      [400, ['expiresIn']],
    ]);
    expect((await w.keycard.list({ ownerId: 'alice', status: 'all' })).records).toEqual([]);
    const ok = await w.call('POST', '/tokens', { body: { label: 'ci', scopes: ['read'], expiresAt: LAST } });
    expect(ok.status).toBe(201);
    expect(((await ok.json()) as { record: { expiresAt: string } }).record.expiresAt).toBe('9999-12-31T23:59:59.999Z');
    await w.keycard.close();
  });
});

describe('the device routes and the CLI: whole seconds from 1 to 9999999999, the bound named', () => {
  it('POST /device/code refuses a token_lifetime past it, or not a positive whole number, saying which', async () => {
    const w = setup();
    for (const lifetime of ['10000000000', '0', '-1', 'NaN', '1e3', '1.5', '01', ' 5']) {
      const res = await w.handler(
        new Request('http://app.test/api/tokens/device/code', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ client_id: 'cli', token_lifetime: lifetime }).toString(),
        }),
      );
      expect(res.status, lifetime).toBe(400);
      expect(await res.json()).toEqual({
        error: 'invalid_request',
        error_description: "token_lifetime must be 'never', '30d', '90d', '365d' or whole seconds from 1 to 9999999999",
      });
    }
    await w.keycard.close();
  });

  it('deviceLogin refuses a tokenLifetime past it before any request, naming tokenLifetime', async () => {
    const sent: string[] = [];
    for (const tokenLifetime of [10_000_000_000, 0, -1, NaN, 1.5, Infinity]) {
      const login = deviceLogin({
        url: 'https://app.example/api/tokens',
        clientId: 'cli',
        tokenLifetime,
        fetch: (async (u: string) => void sent.push(u)) as never,
        output: () => {},
      });
      await expect(login).rejects.toMatchObject({
        code: 'invalid_config',
        message: expect.stringContaining('tokenLifetime'),
      });
    }
    expect(sent).toEqual([]);
  });
});
