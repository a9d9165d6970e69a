/**
 * A guard's `resource` requirement is read strictly (house rule: options validated once, at
 * construction, naming every bad field). A misspelt key was ignored: `{ resource: { path,
 * acess: 'write' } }` checked a GET as a read, so a token restricted to project p1 of company c1
 * passed a company-level route its author meant as a write (SPEC §4's ✗ row: a fail-open from a
 * typo), and `{ resource: { compnay: 'c1' } }` or a path naming an undeclared type (`compnay`) was
 * accepted at start and let an unrestricted token through unchecked. Now:
 * - a fixed requirement is refused when the Express, Hono or Next guard is made
 *   (`KeycardError('invalid_config')` naming every bad field, the path read against the keycard's
 *   `resources`);
 * - a requirement computed per request fails closed (503 `unavailable`, `invalid_config` to
 *   `onError`, the handler does not run), through real Express and Hono servers, Next's wrapper and
 *   `authenticate()`;
 * - `identity.can`/`assert`/`filter` refuse a path or access the hierarchy cannot read for every
 *   token, not only a restricted one (`invalid_argument`);
 * - MCP tool rules take `scope` and `class` only (already strict: checked here too).
 */
import { serve } from '@hono/node-server';
import express from 'express';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressGuard } from '../src/adapters/express.ts';
import { honoGuard, type KeycardEnv } from '../src/adapters/hono.ts';
import { mcpGate } from '../src/adapters/mcp/index.ts';
import { withKeycard } from '../src/adapters/next.ts';
import { createKeycard, KeycardError, type AuthRequirement, type Identity, type Keycard } from '../src/index.ts';
import { toadoScopes } from './helpers.ts';
import { listening } from './listening.ts';

const errors: unknown[] = [];
const keycard: Keycard = createKeycard({
  prefix: 'acme',
  scopes: toadoScopes(),
  resources: ['company', 'project'],
  onError: (e) => errors.push(e),
  onWarning: () => {},
});
const bare: Keycard = createKeycard({ prefix: 'acme', scopes: toadoScopes(), onWarning: () => {} });
const servers = listening();
afterAll(async () => {
  await servers.closeAll();
  await keycard.close();
  await bare.close();
});

/** Requirements with a misspelt or misplaced resource, and what the error must name. */
const BAD: readonly [string, unknown, readonly RegExp[]][] = [
  [
    'access misspelt (acess)',
    { resource: { path: { company: 'c1' }, acess: 'write' } },
    [/resource\.acess: unknown option/],
  ],
  [
    'the path written in place of resource.path',
    { resource: { compnay: 'c1' } },
    [/resource\.compnay: unknown option/, /resource\.path: must be an object/],
  ],
  [
    'access not read or write',
    { resource: { path: { company: 'c1' }, access: 'wirte' } },
    [/resource\.access: must be/],
  ],
  ['resource a string', { resource: 'c1' }, [/resource: must be \{ path, access\? \}/]],
  [
    'every bad field at once',
    { scopes: 'read', resource: { path: { company: 'c1' }, acess: 'write', Access: 'write' } },
    [/scopes: unknown option/, /resource\.acess: unknown option/, /resource\.Access: unknown option/],
  ],
];
/** Paths only the hierarchy can tell are wrong: refused when a guard is made with one. */
const BAD_PATHS: readonly [string, unknown, RegExp][] = [
  ['a misspelt type', { resource: { path: { compnay: 'c1' } } }, /unknown resource type "compnay"/],
  ['a skipped level', { resource: { path: { project: 'p1' } } }, /skips company/],
  ['an empty id', { resource: { path: { company: '' } } }, /company must be a non-empty string id/],
];

const guards = (k: Keycard, need: unknown) => [
  () => expressGuard(k)(need as never),
  () => honoGuard(k, need as never),
  () => withKeycard(k, need as never, () => new Response()),
];

describe('a fixed resource requirement is checked when the guard is made', () => {
  for (const [what, need, names] of BAD) {
    it(`${what}: Express, Hono and Next refuse it naming ${names.length} field(s)`, () => {
      for (const make of guards(keycard, need)) {
        const e = (() => {
          try {
            make();
          } catch (err) {
            return err;
          }
          return null;
        })();
        expect(e, what).toBeInstanceOf(KeycardError);
        expect((e as KeycardError).code).toBe('invalid_config');
        for (const name of names) expect((e as KeycardError).message).toMatch(name);
      }
    });
  }
  for (const [what, need, name] of BAD_PATHS) {
    it(`a path with ${what}: refused against the keycard's resources`, () => {
      for (const make of guards(keycard, need)) expect(make).toThrow(name);
    });
  }
  it('a resource requirement on a keycard without `resources` is refused', () => {
    for (const make of guards(bare, { resource: { path: { company: 'c1' } } })) expect(make).toThrow(/resources/);
  });
  it('well-formed requirements are accepted', () => {
    for (const need of [
      { resource: { path: { company: 'c1' } } },
      { resource: { path: { company: 'c1', project: 'p1' }, access: 'write' }, scope: 'read' },
      { resource: undefined },
    ])
      for (const make of guards(keycard, need)) expect(make).not.toThrow();
  });
  it('MCP tool rules take scope and class only', () => {
    expect(() => mcpGate(keycard, { tools: { t: { resource: { path: { company: 'c1' } } } as never } })).toThrow(
      /resource/,
    );
    expect(() => mcpGate(keycard, { tools: { t: { scop: 'read' } as never } })).toThrow(/scop/);
  });
});

describe('a resource requirement computed per request fails closed', () => {
  let narrow = ''; // company c1, project p1: may read company c1, not write it
  let base = '';
  let runs = 0;
  const hono = new Hono<KeycardEnv>();
  /** The author meant a write check on a GET (it creates something); the typo made it a read. */
  const typo = () => ({ scope: 'read', resource: { path: { company: 'c1' }, acess: 'write' } }) as AuthRequirement;

  beforeAll(async () => {
    narrow = (
      await keycard.issue({
        ownerId: 'u1',
        label: 'ci',
        scopes: ['read'],
        restrictions: { company: ['c1'], project: ['p1'] },
      })
    ).token;
    const app = express();
    app.get('/x', expressGuard(keycard)(typo), (_q, r) => void (runs++, r.json({ ran: true })));
    hono.get('/x', honoGuard(keycard, typo), (c) => (runs++, c.json({ ran: true })));
    base = await servers.listen(app.listen(0, '127.0.0.1'));
  });

  it('Express, Hono, Next and authenticate() answer 503; the handler never runs', async () => {
    const headers = { authorization: `Bearer ${narrow}` };
    const statuses = [
      (await fetch(`${base}/x`, { headers })).status,
      (await hono.request('/x', { headers })).status,
      (
        await withKeycard(
          keycard,
          typo,
          () => (runs++, Response.json({ ran: true })),
        )(new Request('http://localhost/x', { headers }), { params: Promise.resolve({}) })
      ).status,
    ];
    const direct = await keycard.authenticate(new Request('http://localhost/x', { headers }), typo());
    expect([...statuses, direct.ok === false && 'status' in direct ? direct.status : 'ok']).toEqual([
      503, 503, 503, 503,
    ]);
    expect(runs).toBe(0);
    const e = errors.at(-1) as KeycardError;
    expect([e.code, e.message]).toEqual(['invalid_config', expect.stringMatching(/resource\.acess: unknown option/)]);
  });

  it('a Hono server on 127.0.0.1 answers the same', async () => {
    const url = await servers.listen(serve({ fetch: hono.fetch, port: 0, hostname: '127.0.0.1' }) as never);
    expect((await fetch(`${url}/x`, { headers: { authorization: `Bearer ${narrow}` } })).status).toBe(503);
  });
});

describe('identity.can / assert / filter read the path for every token', () => {
  let open: Identity;
  beforeAll(async () => {
    const t = await keycard.issue({ ownerId: 'u1', label: 'unrestricted', scopes: ['read'] });
    const v = await keycard.verify(t.token);
    if (!v.ok) throw new Error('not verified');
    open = v.identity;
  });
  const cases: [string, unknown, unknown, RegExp][] = [
    ['a misspelt type', { compnay: 'c1' }, 'read', /unknown resource type "compnay"/],
    ['a skipped level', { project: 'p1' }, 'read', /skips company/],
    ['access misspelt', { company: 'c1' }, 'wirte', /access must be 'read' or 'write'/],
  ];
  for (const [what, path, access, message] of cases) {
    it(`${what}: invalid_argument from can, assert and filter on an unrestricted token`, () => {
      const calls = [
        () => open.can(path as never, access as never),
        () => open.assert(path as never, access as never),
        ...(access === 'read' ? [() => open.filter([1], () => path as never)] : []),
      ];
      for (const call of calls) {
        expect(call).toThrow(message);
        expect(call).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
      }
    });
  }
  it('well-formed paths are answered as before', () => {
    expect(open.can({ company: 'c9', project: 'p9' }, 'write')).toBe(true);
    expect(() => open.assert({ company: 'c9' }, 'write')).not.toThrow();
    expect(open.filter([1, 2], () => ({ company: 'c1' }))).toEqual([1, 2]);
  });
});
