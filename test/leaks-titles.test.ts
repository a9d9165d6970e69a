/**
 * The leak intake's problem bodies to the byte: RFC 9457 members in order, each `title` the RFC
 * 9110 §15 reason phrase of its status (the one table src/core/status-phrases.ts, shared with the
 * request contract and the management API since session 47).
 */
import { describe, expect, it } from 'vitest';
import { leakFixture } from './leaks-fixture.ts';

describe('leak intake problem bodies', () => {
  it('400, 401, 405 and 413 carry their reason phrase as title, members in RFC 9457 order', async () => {
    const f = await leakFixture({ maxBodyBytes: 1024 });
    const answers = [
      await f.handler(await f.report('not json')),
      await f.handler(new Request('http://localhost/leaks', { method: 'POST', body: '[]' })),
      await f.handler(new Request('http://localhost/leaks')),
      await f.handler(await f.report('x'.repeat(2048))),
    ];
    const bodies = await Promise.all(answers.map((r) => r.text()));
    expect(bodies.map((b) => b.replace(/"detail":"[^"]*"/, '"detail":"…"'))).toEqual([
      '{"type":"about:blank","title":"Bad Request","status":400,"detail":"…","code":"invalid_request"}',
      '{"type":"about:blank","title":"Unauthorized","status":401,"detail":"…","code":"unauthenticated"}',
      '{"type":"about:blank","title":"Method Not Allowed","status":405,"detail":"…","code":"method_not_allowed"}',
      '{"type":"about:blank","title":"Content Too Large","status":413,"detail":"…","code":"payload_too_large"}',
    ]);
    expect(answers.map((r) => r.status)).toEqual([400, 401, 405, 413]);
    expect(f.storeCalls()).toBe(0);
  });
});
