/**
 * Toado's "600 reads / minute, 60 writes / minute (configurable per company)" and Comma's "paid
 * plans can carry higher caps", walked on real Express with the management API behind the app's
 * session: a company's plan (`workspaceRateLimit`) belongs to that company's members. Before the
 * fix, a person on a small company could create a personal token naming the big company
 * (`workspaceId`: the default `can` lets a person name any) and use it in their own company under
 * the big company's plan, or set the big plan on the token's record as "the limit that would apply
 * without it". docs/management.md said naming a workspace "grants nothing by itself".
 */
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressGuard, expressHandler } from '../src/adapters/express.ts';
import { createManagementClient, type ManagementClient } from '../src/client/index.ts';
import { createKeycard, createManagementHandler, defineScopes } from '../src/index.ts';
import { serveWalk } from './seeds-fixture.ts';

const scopes = defineScopes(
  { read: { description: 'Read everything' }, comments: { implies: ['read'], description: 'Post comments' } },
  { defaults: ['read'] },
);
/** Who belongs to which company; the plans the companies pay for. */
const members = new Map([
  ['u_jason', new Set(['c_small'])],
  ['u_maria', new Set(['c_big'])],
  ['u_lena', new Set(['c_small'])],
]);
/** Whose standing the app answers per company only (`gone` without one), as an app may. */
const perCompanyOnly = new Set(['u_lena']);
const plans = new Map([['c_big', { read: { limit: 1200, window: 60 }, write: { limit: 120, window: 60 } }]]);
const keycard = createKeycard({
  prefix: 'toado',
  scopes,
  rateLimit: { read: { limit: 600, window: 60 }, write: { limit: 60, window: 60 } },
  workspaceRateLimit: (company) => plans.get(company) ?? null,
  resolveOwner: (principal, company, kind) =>
    kind === 'workspace' || (company === null ? !perCompanyOnly.has(principal) : members.get(principal)?.has(company))
      ? { status: 'active', scopes: ['comments'] }
      : { status: 'gone' },
});
let base = '';
let jason: ManagementClient;
let close: () => Promise<void>;

beforeAll(async () => {
  const manage = createManagementHandler(keycard, {
    basePath: '/api/tokens',
    authorize: async (req) => {
      const id = /sid=(\w+)/.exec(req.headers.get('cookie') ?? '')?.[1];
      return id && members.has(id) ? { kind: 'user', id, scopes: ['comments'] } : null;
    },
  });
  const guard = expressGuard(keycard);
  const app = express();
  app.use('/api/tokens', expressHandler(manage));
  app.get(
    '/api/v1/companies/:company/tickets',
    guard((req) => ({ scope: 'read', workspaceId: String(req.params.company) })),
    (_req, res) => void res.json([]),
  );
  ({ base, api: jason, close } = await serveWalk(app, 'u_jason', keycard));
});
afterAll(() => close());

const tickets = (token: string, company: string) =>
  fetch(`${base}/api/v1/companies/${company}/tickets`, { headers: { authorization: `Bearer ${token}` } });
const as = (user: string) =>
  createManagementClient({ baseUrl: `${base}/api/tokens`, headers: { cookie: `sid=${user}`, origin: base } });

describe('Toado: per-token limits, configurable per company', () => {
  it('a member’s token for their company is charged the company’s plan; elsewhere the default', async () => {
    const maria = as('u_maria');
    const { token } = await maria.create({ label: 'claude-code on macbook', workspaceId: 'c_big' });
    expect((await tickets(token, 'c_big')).headers.get('ratelimit-policy')).toBe('"read";q=1200;w=60');
    const own = await jason.create({ label: 'claude-code on laptop', workspaceId: 'c_small' });
    expect((await tickets(own.token, 'c_small')).headers.get('ratelimit-policy')).toBe('"read";q=600;w=60');
  });

  it('a person cannot borrow another company’s plan by naming it on a personal token', async () => {
    const before = (await jason.list()).data.length;
    const named = await jason.create({ label: 'borrowed plan', workspaceId: 'c_big' }).then(
      async ({ token }) => ({
        created: true,
        policy: (await tickets(token, 'c_small')).headers.get('ratelimit-policy'),
      }),
      (e: { status: number; code: string }) => ({ created: false, status: e.status, code: e.code }),
    );
    expect(named).toEqual({ created: false, status: 403, code: 'scope_escalation' });
    expect((await jason.list()).data.length).toBe(before); // a failing call writes nothing
  });

  it('nor by setting that plan on the record as "the limit that would apply without it"', async () => {
    const explicit = await jason
      .create({
        label: 'borrowed limit',
        workspaceId: 'c_big',
        rateLimit: { read: { limit: 1200, window: 60 }, write: { limit: 120, window: 60 } },
      })
      .then(
        () => 'created',
        (e: { status: number; code: string }) => `${e.status} ${e.code}`,
      );
    expect(explicit).toBe('403 scope_escalation');
  });

  it('a member of both companies may name either: the refusal is about membership, not the plan', async () => {
    members.set('u_jason', new Set(['c_small', 'c_big']));
    await keycard.invalidateOwner('u_jason');
    try {
      const { token } = await jason.create({ label: 'both', workspaceId: 'c_big' });
      expect((await tickets(token, 'c_big')).headers.get('ratelimit-policy')).toBe('"read";q=1200;w=60');
    } finally {
      members.set('u_jason', new Set(['c_small']));
      await keycard.invalidateOwner('u_jason');
    }
  });

  it('a token naming no workspace is not asked about: it is bounded where each request names one', async () => {
    const { token } = await as('u_lena').create({ label: 'ci on runner' });
    expect((await tickets(token, 'c_small')).headers.get('ratelimit-policy')).toBe('"read";q=600;w=60');
    expect((await tickets(token, 'c_big')).status).toBe(401);
  });
});
