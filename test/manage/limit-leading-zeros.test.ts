/**
 * `limit` in a query (`GET /tokens`, `GET /tokens/:id/activity`), the management API's only integer
 * query parameters, parsed by one rule (src/manage/schemas.ts `intParam`): 1 to 16 ASCII digits
 * without a leading zero (the published OpenAPI pattern `^[1-9]\d{0,15}$`), read as a decimal
 * number, then held to 1–100. A leading zero (`05`, `010`: octal to some readers, decimal to
 * others), a sign, space, point, exponent or hex prefix is refused naming `limit`, as the device
 * form's `token_lifetime` refuses one. Pinned here (docs/management.md).
 */
import { describe, expect, it } from 'vitest';
import { createManagementHandler } from '../../src/index.ts';
import { setup } from './fixture.ts';

type Problem = { errors?: { field: string; message: string }[] };

describe('limit: digits without a leading zero, then held to 1-100', () => {
  it('GET /tokens: 5 is 5 rows, 10 is 10, 100 is all 12; 101 is out of range; any leading zero is refused', async () => {
    const w = setup();
    for (let i = 0; i < 12; i++) await w.create({ label: `t${i}`, scopes: ['read'] });
    const rows = async (limit: string) => {
      const res = await w.call('GET', `/tokens?limit=${limit}`);
      const body = (await res.json()) as { data?: unknown[] } & Problem;
      return res.status === 200 ? body.data!.length : [res.status, body.errors];
    };
    expect(await rows('5')).toBe(5);
    expect(await rows('10')).toBe(10);
    expect(await rows('100')).toBe(12);
    expect(await rows('101')).toEqual([400, [{ field: 'limit', message: 'must be from 1 to 100' }]]);
    const shape = [400, [{ field: 'limit', message: 'must be a whole number from 1 to 100' }]];
    const bad = ['05', '010', '0100', '00', '0', '0101', '0000000000000005', '', '+5', '-5', '%205', '5%20'];
    for (const b of [...bad, '5.0', '0x5', '5e0', '0o5', '00000000000000005']) expect(await rows(b), b).toEqual(shape);
    await w.keycard.close();
  });

  it('GET /tokens/:id/activity asks the audit store for the same numbers and refuses the same zeros', async () => {
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
    expect(await Promise.all(['5', '10', '100', '05', '010', '00', '101', '+5', '5.0', '0x5'].map(status))).toEqual([
      200, 200, 200, 400, 400, 400, 400, 400, 400, 400,
    ]);
    expect(limits).toEqual([5, 10, 100]);
    await w.keycard.close();
  });
});
