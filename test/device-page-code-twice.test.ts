/**
 * `GET /device?user_code=…` with `user_code` given twice. The approval form's POST refuses a field
 * sent twice, and so does every management query parameter ("a parameter given twice is an error
 * rather than a silent pick"), but the page read the first code and showed its approval: which of
 * two codes a link meant was guessed. Now it is a 400 entry page naming the field, the code is not
 * looked up, and no wrong entry is counted.
 */
import { describe, expect, it } from 'vitest';
import { hashDeviceCode } from '../src/device/codes.ts';
import { SESSION, setup } from './device-fixture.ts';

const PAGE = { cookie: SESSION.cookie, 'sec-fetch-site': 'none' };

describe('GET /device with user_code given twice', () => {
  const cases: [string, (code: string) => string][] = [
    ['the real code first', (c) => `?user_code=${c}&user_code=ZZZZ-ZZZZ`],
    ['the real code last', (c) => `?user_code=ZZZZ-ZZZZ&user_code=${c}`],
    ['the same code twice', (c) => `?user_code=${c}&user_code=${c}`],
  ];
  it.each(cases)('%s: 400 naming the field, no approval shown, no wrong entry counted', async (_what, query) => {
    const w = setup();
    const s = await w.start();
    for (let i = 0; i < 6; i++) {
      const r = await w.send(query(s.user_code), { headers: PAGE });
      expect(r.status).toBe(400);
      const text = await r.text();
      expect(text).toContain('Fields sent more than once: user_code');
      expect(text).not.toContain('name="scope"');
      expect(text).not.toContain('Too many');
    }
    expect(await w.grants.inner.get(hashDeviceCode(s.device_code))).toMatchObject({ status: 'pending', version: 1 });
    // Six refusals counted no wrong entry (five lock the session out): the code still opens its page.
    const one = await w.send(`?user_code=${s.user_code}`, { headers: PAGE });
    expect(one.status).toBe(200);
    expect(await one.text()).toContain('name="scope"');
  });
});
