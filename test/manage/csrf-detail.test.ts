/**
 * The 403 a session-authorized change gets from the CSRF check says which mistake it is. It read
 * "Cross-origin request refused: Origin is not allowed" in every case: for `curl` with a cookie
 * and no Origin at all, and for a Next route (which sees a URL of its own, http://localhost:…)
 * called with the very Origin the person browses, where nothing said what was expected. The
 * detail now says that Origin is missing, or, under the default (no `allowedOrigins`), names the
 * request's own origin it was compared with. The Origin sent is never echoed, nor the list.
 * Reads stay unchecked; the status and code are unchanged.
 */
import { describe, expect, it } from 'vitest';
import { BASE, setup } from './fixture.ts';

const create = (handler: (r: Request) => Promise<Response>, url: string, headers: Record<string, string>) =>
  handler(
    new Request(url, {
      method: 'POST',
      headers: { cookie: 'sid=alice', 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ label: 'ci', scopes: ['read'] }),
    }),
  );
const problem = async (res: Response) => [res.status, (await res.json()) as { code: string; detail: string }] as const;

describe('the CSRF refusal says what was wrong', () => {
  it('no Origin (curl with a cookie): says the header is missing and what to send instead', async () => {
    const { handler } = setup();
    const [status, body] = await problem(await create(handler, `http://localhost:3002${BASE}/tokens`, {}));
    expect(status).toBe(403);
    expect(body.code).toBe('forbidden');
    expect(body.detail).toBe('Cross-origin request refused: no Origin header');
  });

  it('the default (no allowedOrigins): names the request origin the Origin was compared with', async () => {
    const { handler } = setup();
    const res = await create(handler, `http://localhost:3002${BASE}/tokens`, { origin: 'http://127.0.0.1:3002' });
    const [status, body] = await problem(res);
    expect([status, body.code]).toEqual([403, 'forbidden']);
    expect(body.detail).toBe('Cross-origin request refused: Origin is not http://localhost:3002');
  });

  it('with allowedOrigins: says so, naming neither the Origin nor the list', async () => {
    const { handler } = setup({ allowedOrigins: ['https://app.example', 'https://internal.example'] });
    const [, body] = await problem(
      await create(handler, `http://localhost${BASE}/tokens`, { origin: 'https://evil.example' }),
    );
    expect(body.detail).toBe('Cross-origin request refused: Origin is not allowed');
  });

  it('an Origin of any kind (null, a path, a long or odd value) is not echoed', async () => {
    const { handler } = setup({ allowedOrigins: ['https://app.example'] });
    for (const origin of ['null', 'https://app.example/path', `https://${'a'.repeat(300)}.example`, 'https://x"<b>']) {
      const [status, body] = await problem(await create(handler, `http://localhost${BASE}/tokens`, { origin }));
      expect(status).toBe(403);
      expect(body.detail).toBe('Cross-origin request refused: Origin is not allowed');
    }
  });

  it('an allowed Origin or Sec-Fetch-Site: same-origin still passes', async () => {
    const { handler } = setup();
    expect(
      (await create(handler, `http://localhost:3002${BASE}/tokens`, { origin: 'http://localhost:3002' })).status,
    ).toBe(201);
    expect(
      (await create(handler, `http://localhost:3002${BASE}/tokens`, { 'sec-fetch-site': 'same-origin' })).status,
    ).toBe(201);
  });
});
