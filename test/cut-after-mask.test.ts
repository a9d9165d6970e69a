/**
 * Every place that quotes caller-sent text back cuts it only after masking it (src/core/redact.ts
 * `excerpt`): cut first, a token ending just past the cut loses its last checksum characters,
 * no longer has a token's shape, and the rest of it (the whole secret body) goes out unmasked.
 * One case per place: the device flow's unknown-scope answer, a guard's unknown requirement key,
 * an unknown option key of `createKeycard`, and the CLI's quote of a server's error.
 */
import { describe, expect, it } from 'vitest';
import { createKeycard, defineScopes, type Actor } from '../src/index.ts';
import { honoGuard } from '../src/adapters/hono.ts';
import { memoryPendingGrantStore } from '../src/device/grant-store.ts';
import { createDeviceRoutes } from '../src/device/routes.ts';
import { deviceLogin } from '../src/cli/index.ts';

const scopes = defineScopes({ read: { description: 'Read tickets' } });
const keycard = createKeycard({ prefix: 'toado', scopes, onWarning: () => {} });
const token = (await keycard.issue({ ownerId: 'u1', label: 'leaked', scopes: ['read'] })).token;
/** The secret body of the token: none of it may be quoted back. */
const body = token.slice(token.indexOf('_sk_') + 4, -1);
/** Caller text of `n` + 1 characters whose last is the token's last: a cut at `n` loses only that one. */
const endingPast = (n: number) => `${'x'.repeat(n - token.length + 1)}${token}`;

describe('caller text is masked before it is cut', () => {
  it('POST /device/code with an unknown scope ending in a token', async () => {
    const jason: Actor = { kind: 'user', id: 'u_jason', scopes: ['read'] };
    const routes = createDeviceRoutes(keycard, {
      basePath: '/api/tokens',
      store: memoryPendingGrantStore(),
      authorize: () => jason,
    });
    const form = new URLSearchParams({ client_id: 'cli', scope: endingPast(200) });
    const res = (await routes(
      new Request('https://app.example/api/tokens/device/code', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      }),
    ))!;
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain('invalid_scope');
    expect(text).toContain('xxx');
    expect(text).not.toContain(body);
  });

  it("a guard's unknown requirement key ending in a token", () => {
    let message = '';
    try {
      honoGuard(keycard, { [endingPast(64)]: 1 } as never);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/unknown option/);
    expect(message).not.toContain(body);
  });

  it('an unknown option key of createKeycard ending in a token', () => {
    let message = '';
    try {
      createKeycard({ prefix: 'toado', scopes, [endingPast(64)]: 1 } as never);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/unknown option/);
    expect(message).not.toContain(body);
  });

  it("deviceLogin's quote of a server's error_description ending in a token", async () => {
    const fetch = async () =>
      new Response(JSON.stringify({ error: 'invalid_request', error_description: endingPast(300) }), {
        status: 400,
        headers: { 'content-type': 'application/json' },
      });
    let message = '';
    try {
      await deviceLogin({
        url: 'https://app.example/api/tokens',
        clientId: 'cli',
        fetch,
        output: () => {},
        openBrowser: false,
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/Could not/);
    expect(message).not.toContain(body);
  });
});
