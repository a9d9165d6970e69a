/**
 * A person's answer whose write lands after its 503 (SPEC §13, §9 audit): the grant store was slow,
 * not down, so the deadline (`storeTimeoutMs`) answered 503 while the write went on and landed.
 * The grant is then approved (or denied) with no page saying so; the answer must still be audited,
 * once, when the write lands: an approval never goes unrecorded.
 */
import { describe, expect, it } from 'vitest';
import { hashDeviceCode } from '../src/device/codes.ts';
import { SESSION, expectPage503, setup } from './device-fixture.ts';

const SLOW_MS = 200;
const settle = () => new Promise((resolve) => setTimeout(resolve, SLOW_MS * 2));
const deviceEvents = (audit: { events: { type: string }[] }) =>
  audit.events.filter((e) => e.type === 'device.approved' || e.type === 'device.denied');

for (const via of ['routes', 'management'] as const) {
  describe(`an answer whose write lands after its 503 (${via})`, () => {
    it('approve: the 503 page, then one device.approved event with the granted scopes when the write lands', async () => {
      const { grants, audit, start, approve } = setup({ via, storeTimeoutMs: 50 });
      const a = await start();
      grants.fail('update', 'slow');
      await expectPage503(await approve(a.user_code));
      expect(deviceEvents(audit)).toEqual([]);
      await settle();
      expect(await grants.inner.get(hashDeviceCode(a.device_code))).toMatchObject({ status: 'approved' });
      expect(deviceEvents(audit)).toEqual([
        expect.objectContaining({ type: 'device.approved', scopes: ['read'], actor: { kind: 'user', id: 'u_jason' } }),
      ]);
      const text = JSON.stringify(audit.events);
      expect(text).not.toContain(a.device_code);
      expect(text).not.toContain(hashDeviceCode(a.device_code));
    });

    it('deny: the 503 page, then one device.denied event when the write lands', async () => {
      const { grants, audit, start, post } = setup({ via, storeTimeoutMs: 50 });
      const a = await start();
      grants.fail('update', 'slow');
      await expectPage503(await post('/deny', { user_code: a.user_code }, SESSION));
      await settle();
      expect(await grants.inner.get(hashDeviceCode(a.device_code))).toMatchObject({ status: 'denied' });
      expect(deviceEvents(audit).map((e) => e.type)).toEqual(['device.denied']);
    });

    it('a write that never lands (a hung store) is audited nowhere; one in time is audited once (controls)', async () => {
      const hung = setup({ via, storeTimeoutMs: 50 });
      const a = await hung.start();
      hung.grants.fail('update', 'hang');
      await expectPage503(await hung.approve(a.user_code));
      await settle();
      expect(deviceEvents(hung.audit)).toEqual([]);

      const fine = setup({ via, storeTimeoutMs: 50 });
      const b = await fine.start();
      expect((await fine.approve(b.user_code)).status).toBe(200);
      await settle();
      expect(deviceEvents(fine.audit).map((e) => e.type)).toEqual(['device.approved']);
    });
  });
}
