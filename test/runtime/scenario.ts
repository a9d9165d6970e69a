/**
 * The runtime scenario: issue → verify → authenticate → revoke on the core, with Web standards
 * only. Bundled by runtimes.test.ts and run under workerd, Bun and Deno; it answers a JSON
 * report the test compares.
 */
import { createKeycard, defineScopes, memoryAuditSink } from '../../src/index.ts';

export async function scenario(): Promise<Record<string, unknown>> {
  const sink = memoryAuditSink();
  const keycard = createKeycard({
    prefix: 'acme',
    scopes: defineScopes({ 'tasks:read': {}, 'tasks:write': { implies: ['tasks:read'] } }),
    peppers: [{ version: 1, secret: 'a pepper of at least thirty-two bytes!!' }],
    audit: sink,
  });
  const { token, record } = await keycard.issue({ ownerId: 'u1', label: 'ci', scopes: ['tasks:read'] });
  const verified = await keycard.verify(token);
  const request = (t: string) =>
    new Request('https://api.example.com/v1/tasks', { headers: { authorization: `Bearer ${t}` } });
  const allowed = await keycard.authenticate(request(token), { scope: 'tasks:read' });
  const forbidden = await keycard.authenticate(request(token), { scope: 'tasks:write' });
  await keycard.revoke(record.id, { reason: 'rotated' });
  const afterRevoke = await keycard.verify(token);
  const denied = await keycard.authenticate(request(token), { scope: 'tasks:read' });
  await keycard.close();
  return {
    tokenShape: /^acme_sk_[0-9A-Za-z]{39}$/.test(token),
    verified: verified.ok,
    allowed: allowed.ok,
    forbidden: forbidden.ok ? 200 : 'status' in forbidden ? forbidden.status : forbidden.skip,
    afterRevoke: afterRevoke.ok ? 'ok' : afterRevoke.code,
    denied: denied.ok ? 200 : 'status' in denied ? denied.status : denied.skip,
    audit: sink.events.map((e) => e.type),
  };
}
