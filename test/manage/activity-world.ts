/** A keycard, its management handler reading activity from `audit`, and a GET as a user: for the activity route's tests. */
import { createKeycard, createManagementHandler, memoryAuditStore, type AuditStore } from '../../src/index.ts';
import { toadoScopes } from '../helpers.ts';

export async function activityWorld(audit: AuditStore = memoryAuditStore()) {
  const keycard = createKeycard({ prefix: 'acme', scopes: toadoScopes(), audit });
  const reported: unknown[] = [];
  const handler = createManagementHandler(keycard, {
    authorize: (req) => ({ kind: 'user', id: req.headers.get('x-user') ?? 'u_1', scopes: ['read'] }),
    auditStore: audit,
    onError: (e) => reported.push(e),
  });
  const get = async (path: string, user = 'u_1') => {
    const res = await handler(new Request(`http://127.0.0.1${path}`, { headers: { 'x-user': user } }));
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return { audit, keycard, handler, get, reported };
}
