/**
 * A guard's requirement computed per request is checked on every request, through the real
 * Express, Hono and Next adapters: a promise (an `async` requirement function on Express or
 * Hono, whose guards take a synchronous one), a misspelled key (`scopes`), a string, `null`, an
 * array, nothing at all (`undefined`) or a scope name no catalogue can declare (`'a"b'`) never
 * lets a token through unchecked. The request fails closed (503 `unavailable`, the
 * handler does not run) and `onError` gets a `KeycardError('invalid_config')` naming the field.
 * A fixed requirement that is not an object is refused when the guard is made.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressGuard } from '../src/adapters/express.ts';
import { honoGuard, type KeycardEnv } from '../src/adapters/hono.ts';
import { withKeycard } from '../src/adapters/next.ts';
import { createKeycard, KeycardError, type Keycard } from '../src/index.ts';
import { contractRow, expectProblem } from './contract-table.ts';
import { toadoScopes } from './helpers.ts';
import { rawRequest } from './raw-http.ts';

const errors: unknown[] = [];
const keycard: Keycard = createKeycard({
  prefix: 'acme',
  scopes: toadoScopes(),
  resources: ['company', 'project'],
  onError: (e) => errors.push(e),
  onWarning: () => {},
});

/** Requirement functions an integrator may write by mistake, and the field the error must name. */
const BAD: readonly [string, () => unknown, string][] = [
  ['an async function (a promise)', async () => ({ scope: 'tickets:write' }), 'promise'],
  ['a misspelled key', () => ({ scopes: 'tickets:write' }), 'scopes'],
  ['a misspelled resource key', () => ({ resources: { path: { company: 'c2' } } }), 'resources'],
  ['a scope name as a string', () => 'tickets:write', 'string'],
  ['null', () => null, 'null'],
  ['an array', () => ['tickets:write'], 'array'],
  // `(req) => { scope: 'tickets:write' }` is a block with a label: it returns nothing, which is
  // not "authenticate only" (that is a guard given no requirement at all).
  ['nothing (an arrow function with a block body)', () => undefined, 'returned nothing'],
  // A scope name no catalogue can declare (not an RFC 6749 scope-token of at most 128 characters:
  // SPEC §3) is never met, and RFC 6750 §3 forbids `"` and `\` in the 403's `scope` attribute,
  // even escaped (test/requirement-scope-token.test.ts has the law).
  ['a scope name with a quote', () => ({ scope: 'a"b' }), 'scope: not RFC 6749 scope-tokens: "a\\"b"'],
  ['a scope name with a backslash', () => ({ scope: 'c\\d' }), 'scope-tokens: "c\\\\d"'],
  // Met by the reader's `read` before: an alternative that can never be met is still the bug.
  ['a quote in an anyOf a reader meets', () => ({ scope: { anyOf: ['read', 'x"y'] } }), 'scope-tokens: "x\\"y"'],
  [
    'a space and a non-ASCII name in an allOf',
    () => ({ scope: { allOf: ['read', 'a b', 'é'] } }),
    'scope-tokens: "a b", "é"',
  ],
  ['the empty scope name', () => ({ scope: '' }), 'scope-tokens: ""'],
  [
    'a scope name longer than a catalogue takes',
    () => ({ scope: 'x'.repeat(129) }),
    `scope-tokens: "${'x'.repeat(64)}…"`,
  ],
  // A scope built in code and reused: walked as it came, the shape check overflowed the stack
  // (503, but onError got a RangeError). test/requirement-scope-token.test.ts has the bound.
  [
    'an anyOf that holds itself, beside read',
    () => {
      const r: { anyOf: unknown[] } = { anyOf: ['read'] };
      r.anyOf.push(r);
      return { scope: r };
    },
    'scope: more than 64 allOf/anyOf groups, or one nested in itself',
  ],
  // A value of the wrong kind (session 54): a `class: 'Read'` charged the write budget and asked
  // write access; a `forbid` that is no function was a TypeError (a 503, onError a TypeError).
  ['a class written Read', () => ({ scope: 'read', class: 'Read' }), "class: must be 'read' or 'write'"],
  [
    'a resource access written Write',
    () => ({ resource: { path: { company: 'c1' }, access: 'Write' } }),
    "resource.access: must be 'read' or 'write'",
  ],
  ['a forbid that is no function', () => ({ scope: 'read', forbid: {} }), 'forbid: must be a function'],
  [
    'a workspaceId that is a number',
    () => ({ scope: 'read', workspaceId: 5 }),
    'workspaceId: must be a string or null',
  ],
  ['a surface keycard has not', () => ({ scope: 'read', surface: 'grpc' }), "surface: must be 'http' or 'mcp'"],
  [
    'a tool and an rpcMethod that are no strings',
    () => ({ tool: {}, rpcMethod: 1 }),
    'rpcMethod: must be a string; tool: must be a string',
  ],
];

let reader = '';
let runs = 0;
let server: Server;
let port = 0;
const hono = new Hono<KeycardEnv>();

beforeAll(async () => {
  reader = (await keycard.issue({ ownerId: 'u1', label: 'reader', scopes: ['read'] })).token;
  const guard = expressGuard(keycard);
  const app = express();
  BAD.forEach(([, need], i) => {
    app.get(`/r${i}`, guard(need as never), (_req, res) => void (runs++, res.json({ ran: true })));
    hono.get(`/r${i}`, honoGuard(keycard, need as never), (c) => (runs++, c.json({ ran: true })));
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await keycard.close();
});

function expectRefused(
  res: { status: number; headers: Headers | Record<string, string>; body: string },
  field: string,
) {
  expectProblem(res, contractRow('unavailable'), expect);
  const e = errors.at(-1);
  expect(e).toBeInstanceOf(KeycardError);
  expect((e as KeycardError).code).toBe('invalid_config');
  expect((e as KeycardError).message).toContain(field);
}

describe('a requirement computed per request that is not a requirement fails closed', () => {
  BAD.forEach(([what, need, field], i) => {
    it(`${what}: Express, Hono and Next answer 503 and the handler does not run`, async () => {
      const before = runs;
      const headers = { authorization: `Bearer ${reader}` };
      expectRefused(await rawRequest(port, 'GET', `/r${i}`, headers), field);
      const h = await hono.request(`/r${i}`, { headers });
      expectRefused({ status: h.status, headers: h.headers, body: await h.text() }, field);
      // Next's wrapper awaits a requirement function, so a promise is a requirement there.
      if (field !== 'promise') {
        const wrapped = withKeycard(keycard, need as never, () => (runs++, Response.json({ ran: true })));
        const n = await wrapped(new Request('http://localhost/x', { headers }), { params: Promise.resolve({}) });
        expectRefused({ status: n.status, headers: n.headers, body: await n.text() }, field);
      }
      expect(runs, 'the guarded handler ran').toBe(before);
    });
  });

  it('Next awaits an async requirement: a reader is refused tickets:write', async () => {
    const wrapped = withKeycard(
      keycard,
      async () => ({ scope: 'tickets:write' }),
      () => Response.json({ ran: true }),
    );
    const n = await wrapped(new Request('http://localhost/x', { headers: { authorization: `Bearer ${reader}` } }), {
      params: Promise.resolve({}),
    });
    expect(n.status).toBe(403);
  });

  it('a fixed requirement holding a value it cannot take is refused when each guard is made, naming it', () => {
    for (const [, need, field] of BAD.slice(-6)) {
      const fixed = need();
      expect(() => expressGuard(keycard)(fixed as never)).toThrow(field);
      expect(() => honoGuard(keycard, fixed as never)).toThrow(field);
      expect(() => withKeycard(keycard, fixed as never, () => Response.json({}))).toThrow(field);
    }
  });

  it('a fixed requirement that is not an object is refused when the guard is made', () => {
    for (const need of ['tickets:write', ['tickets:write'], 1, null, Promise.resolve({})]) {
      expect(() => expressGuard(keycard)(need as never)).toThrow(/invalid|requirement/);
      expect(() => honoGuard(keycard, need as never)).toThrow(KeycardError);
      expect(() => withKeycard(keycard, need as never, () => new Response())).toThrow(KeycardError);
    }
    expect(() => honoGuard(keycard, { scopes: 'tickets:write' } as never)).toThrow(/scopes: unknown option/);
    expect(() => honoGuard(keycard, 'tickets:write' as never)).toThrow(/got a string/);
    // A scope nested in itself: a KeycardError naming it when the guard is made, not a RangeError.
    const cycle: { anyOf: unknown[] } = { anyOf: ['read'] };
    cycle.anyOf.push(cycle);
    expect(() => honoGuard(keycard, { scope: cycle } as never)).toThrow(/one nested in itself/);
    expect(() => expressGuard(keycard)({ scope: cycle } as never)).toThrow(/one nested in itself/);
  });
});
