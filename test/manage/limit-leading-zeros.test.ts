/**
 * `limit` in a query (`GET /tokens`, `GET /tokens/:id/activity`), the management API's only integer
 * query parameters, parsed by one rule (src/manage/schemas.ts `intParam`): 1 to 16 ASCII digits,
 * read as a decimal number, then held to 1–100. So leading zeros are accepted and read in base 10
 * (`05` is 5, `010` is 10, never octal 8), as most web frameworks read a query integer; a sign,
 * space, point, exponent or hex prefix is refused naming `limit`. Pinned here (docs/management.md).
 */
import { describe, expect, it } from 'vitest';
import { createManagementHandler } from '../../src/index.ts';
import { setup } from './fixture.ts';

type Problem = { errors?: { field: string; message: string }[] };

describe('limit with leading zeros: decimal, then held to 1-100', () => {
  it('GET /tokens: 05 is 5 rows, 010 is 10, 0100 is 100; 00 and 0101 are out of range', async () => {
    const w = setup();
    for (let i = 0; i < 12; i++) await w.create({ label: `t${i}`, scopes: ['read'] });
    const rows = async (limit: string) => {
      const res = await w.call('GET', `/tokens?limit=${limit}`);
      const body = (await res.json()) as { data?: unknown[] } & Problem;
      return res.status === 200 ? body.data!.length : [res.status, body.errors];
    };
    expect(await rows('05')).toBe(5);
    expect(await rows('010')).toBe(10);
    expect(await rows('0000000000000005')).toBe(5); // 16 digits
    expect(await rows('0100')).toBe(12);
    const range = [400, [{ field: 'limit', message: 'must be from 1 to 100' }]];
    expect(await rows('00')).toEqual(range);
    expect(await rows('0101')).toEqual(range);
    const shape = [400, [{ field: 'limit', message: 'must be a whole number from 1 to 100' }]];
    for (const bad of ['', '+5', '-5', '%205', '5%20', '5.0', '0x5', '5e0', '0o5', '00000000000000005'])
      expect(await rows(bad), bad).toEqual(shape);
    await w.keycard.close();
  });

  it('GET /tokens/:id/activity asks the audit store for the same numbers', async () => {
    const w = setup();
    const { record } = await w.create();
    const limits: number[] = [];
    const handler = createManagementHandler(w.keycard, {
      basePath: '/api/tokens',
      authorize: () => ({ kind: 'user', id: 'alice', scopes: ['read'] }),
      auditStore: { query: (f: { limit: number }) => (limits.push(f.limit), { events: [], nextCursor: null }) },
    });
    const status = async (limit: string) =>
      (await handler(new Request(`http://app.test/api/tokens/tokens/${record.id}/activity?limit=${limit}`))).status;
    expect(await Promise.all(['05', '010', '0100', '00', '0101', '+5', '5.0', '0x5'].map(status))).toEqual([
      200, 200, 200, 400, 400, 400, 400, 400,
    ]);
    expect(limits).toEqual([5, 10, 100]);
    await w.keycard.close();
  });
});
