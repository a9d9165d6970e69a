/**
 * A provider's report says where it found a token (`url`, `source`, `type`). The audit event of the
 * revocation masks a secret held there (SPEC §7); `onLeak` and the `token.leaked` event must too:
 * a report whose URL carries another live token (a gist's `?token=`, a CI log link) would
 * otherwise hand that secret, and its digest, to the integrator's mailer and logs. Ordinary
 * report fields (a GitHub blob URL with a 40-hex commit, `content`) reach them unchanged.
 */
import { describe, expect, it } from 'vitest';
import { TYPE, leakFixture, sha256Hex } from './leaks-fixture.ts';
import type { KeycardEvents } from '../src/index.ts';

describe('what a report says of where it found a token is masked like the audit event', () => {
  it('onLeak, token.leaked and the audit event hold no secret from url, source or type', async () => {
    const f = await leakFixture();
    const leakedOne = await f.keycard.issue({ ownerId: 'u1', label: 'ci' });
    const other = await f.keycard.issue({ ownerId: 'u2', label: 'deploy' });
    const digest = await sha256Hex(other.token);
    const events: KeycardEvents['token.leaked'][] = [];
    f.keycard.on('token.leaked', (e) => void events.push(e));
    const report = {
      token: leakedOne.token,
      type: `${TYPE} ${other.token}`,
      url: `https://gist.github.com/octo/1?token=${encodeURIComponent(other.token)}&h=${digest}`,
      source: `issue_comment ${other.token}`,
    };
    const res = await f.handler(await f.report(JSON.stringify([report])));
    expect(res.status).toBe(200);
    expect(f.notices).toHaveLength(1);
    expect(events).toHaveLength(1);
    const audited = f.audit.events.filter((e) => e.type === 'token.revoked');
    expect(audited).toHaveLength(1);
    for (const seen of [f.notices[0], events[0], audited[0]]) {
      const text = JSON.stringify(seen);
      for (const secret of [other.token, encodeURIComponent(other.token), digest, leakedOne.token])
        expect(text).not.toContain(secret);
    }
    expect(f.notices[0]).toMatchObject({
      url: 'https://gist.github.com/octo/1?token=[redacted]&h=[redacted]',
      source: 'issue_comment [redacted]',
      type: `${TYPE} [redacted]`,
    });
    expect(events[0]).toMatchObject({ url: f.notices[0]!.url, source: f.notices[0]!.source });
  });

  it('an ordinary report reaches onLeak unchanged', async () => {
    const f = await leakFixture();
    const t = await f.keycard.issue({ ownerId: 'u1', label: 'ci' });
    const url = 'https://github.com/octo/repo/blob/0123456789abcdef0123456789abcdef01234567/config.env#L3';
    const res = await f.handler(
      await f.report(JSON.stringify([{ token: t.token, type: TYPE, url, source: 'commit' }])),
    );
    expect(res.status).toBe(200);
    expect(f.notices[0]).toMatchObject({ url, source: 'commit', type: TYPE });
  });
});
