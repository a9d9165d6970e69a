/**
 * The world every management-route row runs in: alice holds `a1` (personal), bob holds `b1`,
 * admin created `w` (a workspace token of w1) and `r` is alice's revoked token; and a row's shape.
 */
import { setup } from './fixture.ts';

export type World = Awaited<ReturnType<typeof world>>;
export async function world(extra: Parameters<typeof setup>[0] = {}) {
  const s = setup(extra);
  const a1 = await s.create({ label: 'alice ci', scopes: ['comments'], expiresIn: '30d' });
  const b1 = await s.create({ label: 'bob ci', scopes: ['read'] }, 'bob');
  const w = await s.create({ label: 'ws bot', kind: 'workspace', workspaceId: 'w1', scopes: ['read'] }, 'admin');
  const r = await s.create({ label: 'old', scopes: ['read'] });
  await s.call('POST', `/tokens/${r.record.id}/revoke`, { body: {} });
  return {
    ...s,
    ids: { a1: a1.record.id, b1: b1.record.id, w: w.record.id, r: r.record.id },
    secrets: { a1: a1.token } as Record<string, string>,
  };
}

export interface Row {
  name: string;
  method: string;
  /** `{a1}` etc. are replaced by the world's ids. */
  path: string;
  body?: unknown;
  raw?: string;
  as?: string | null;
  origin?: string | null;
  headers?: Record<string, string>;
  bearer?: (w: World) => string | undefined;
  status: number;
  code?: string;
  fields?: string[];
  check?: (json: Record<string, unknown>, w: World) => void | Promise<void>;
}
