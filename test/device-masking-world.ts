/**
 * A keycard with device routes under `/api/tokens` for Jason, and another owner's live token to
 * carry in `client_id` or `host`: the world of test/device-page-masking.test.ts and
 * test/encoded-token-sinks.test.ts. `logs` holds what reached `onError`.
 */
import { createKeycard, defineScopes, memoryAuditSink, memoryTokenStore, type UserActor } from '../src/index.ts';
import { createDeviceRoutes } from '../src/device/index.ts';
import { fakeClock } from '../src/testing/index.ts';

export const ORIGIN = 'https://app.example';
export const GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
export const jason: UserActor = { kind: 'user', id: 'u_jason', scopes: ['read', 'write'] };

export async function deviceMaskingWorld() {
  const audit = memoryAuditSink();
  const logs: unknown[] = [];
  const keycard = createKeycard({
    audit,
    prefix: 'toado',
    scopes: defineScopes({ read: { description: 'Read' }, write: { implies: ['read'] } }),
    clock: fakeClock(),
    store: memoryTokenStore(),
    onError: (e) => logs.push(String(e)),
  });
  const { token } = await keycard.issue({ ownerId: 'u_other', label: 'leaked', scopes: ['read'] });
  const routes = createDeviceRoutes(keycard, {
    basePath: '/api/tokens',
    authorize: () => jason,
    onError: (e) => logs.push(String(e)),
  });
  const send = async (path: string, init: RequestInit = {}) =>
    (await routes(new Request(`${ORIGIN}/api/tokens/device${path}`, init)))!;
  const post = (path: string, body: Record<string, string>) =>
    send(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
      body: new URLSearchParams(body).toString(),
    });
  return { keycard, audit, logs, token, send, post };
}
