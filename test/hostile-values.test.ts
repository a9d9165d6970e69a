/**
 * Values JavaScript itself cannot convert or copy — `Object.create(null)`, `{ length:
 * Object.create(null) }`, a symbol, `{ toString: null, valueOf: null }`, `{ [Symbol.toPrimitive]: 1 }`,
 * a Proxy, a BigInt, a lone surrogate, a 1 MB string… — in every argument, field (one and two
 * levels down) and array element of the public calls: each call answers or refuses with a
 * KeycardError (keycard/client: a ManagementError, nothing sent), never a TypeError, URIError or
 * DataCloneError, and a refused call writes nothing. Before (task hostile54): the client threw
 * TypeErrors from `String(value)` in a query and `JSON.stringify` of a BigInt, a URIError from
 * `encodeURIComponent` of a lone surrogate, and spent minutes building a query from a 1 MB
 * string; `issue`/`update` threw a DataCloneError on Proxy metadata; a resource path whose id is
 * such a value made `identity.assert` throw a TypeError and the guard answer 503 instead of 403.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createKeycard, defineScopes, memoryTokenStore, type Identity, type Keycard } from '../src/index.ts';
import { createManagementClient, ManagementError } from '../src/client/index.ts';

/** The values to put everywhere (a fresh set per use: a frozen or proxied object is not reused). */
function hostile(): [string, unknown][] {
  const sparse: unknown[] = [];
  sparse[3] = 'read';
  const noConversion = () => ({ toString: null, valueOf: null });
  return [
    ['Object.create(null)', Object.create(null)],
    ['{ length: Object.create(null) }', { length: Object.create(null) }],
    ['{ length: [Object.create(null)] }', { length: [Object.create(null)] }],
    ["Symbol('x')", Symbol('x')],
    ['{ toString: null, valueOf: null }', noConversion()],
    ["[Symbol('x')]", [Symbol('x')]],
    ['{ [Symbol.toPrimitive]: 1 }', { [Symbol.toPrimitive]: 1 }],
    ['new Proxy({}, {})', new Proxy({}, {})],
    ['a BigInt', 10n],
    ['-0', -0],
    ['NaN', Number.NaN],
    ['a sparse array', sparse],
    ['a frozen object', Object.freeze({ a: 1 })],
    ['an own __proto__ key', JSON.parse('{"__proto__":{"x":1}}')],
    ['a 1 MB string', 'x'.repeat(1 << 20)],
    ['a lone surrogate', '\uD800'],
    ['[Object.create(null)]', [Object.create(null)]],
    ['[a BigInt]', [1n]],
    ['[{ toString: null, valueOf: null }]', [noConversion()]],
  ];
}

/** The root and every path into `base` up to `depth` levels (plain objects and arrays). */
function pathsOf(base: unknown, depth: number, prefix: PropertyKey[] = []): PropertyKey[][] {
  const out: PropertyKey[][] = [prefix];
  if (depth === 0 || typeof base !== 'object' || base === null) return out;
  if (!Array.isArray(base) && Object.getPrototypeOf(base) !== Object.prototype) return out;
  for (const k of Object.keys(base))
    out.push(...pathsOf((base as Record<string, unknown>)[k], depth - 1, [...prefix, k]));
  return out;
}

/** `base` with `value` at `path`, copying only the objects on the way. */
function withAt(base: unknown, path: readonly PropertyKey[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [k, ...rest] = path as [string, ...string[]];
  const copy: Record<string, unknown> = Array.isArray(base) ? ([...base] as never) : { ...(base as object) };
  copy[k] = withAt((base as Record<string, unknown>)[k], rest, value);
  return copy;
}

/** What a call did: `'answered'`, a KeycardError's or ManagementError's code, or anything else thrown. */
async function outcome(run: () => unknown): Promise<string> {
  try {
    await run();
    return 'answered';
  } catch (e) {
    const error = e as { name?: unknown; code?: unknown; message?: unknown };
    if (error?.name === 'KeycardError' || error?.name === 'ManagementError') return `refused ${String(error.code)}`;
    return `THREW ${String(error?.name)}: ${String(error?.message).slice(0, 120)}`;
  }
}

type Call = readonly [name: string, args: readonly unknown[], run: (...args: any[]) => unknown];

/** Every call × argument path (`depth` levels) × hostile value whose outcome is not answered or refused. */
async function thrown(calls: readonly Call[], depth: number, after?: (name: string) => Promise<void>) {
  const bad: string[] = [];
  for (const [name, args, run] of calls)
    for (const path of pathsOf(args, depth).slice(1))
      for (const [what, value] of hostile()) {
        const got = await outcome(() => run(...(withAt(args, path, value) as unknown[])));
        if (got.startsWith('THREW')) bad.push(`${name} ${path.join('.')} = ${what}: ${got}`);
        await after?.(name);
      }
  return bad;
}

describe('keycard/client: hostile values in every argument and field', () => {
  const sent: string[] = [];
  const client = createManagementClient({
    baseUrl: 'https://api.example/api/tokens',
    fetch: async (url) => {
      sent.push(url);
      return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
    },
  });
  const CALLS: Call[] = [
    ['list', [{ ownerId: 'u1', status: 'active', limit: 5, cursor: 'c' }], (q) => client.list(q)],
    [
      'create',
      [{ label: 'ci', scopes: ['read'], metadata: { a: 1 }, expiresIn: '30d', restrictions: { company: ['c'] } }],
      (b) => client.create(b),
    ],
    ['get', ['tok_1'], (id) => client.get(id)],
    ['update', ['tok_1', { label: 'ci', metadata: { a: 1 } }], (id, p) => client.update(id, p)],
    ['revoke', ['tok_1', { reason: 'r' }], (id, b) => client.revoke(id, b)],
    ['rotate', ['tok_1', { graceMs: 5 }], (id, b) => client.rotate(id, b)],
    ['revokeAll', [{ target: { ownerId: 'u1' }, reason: 'r', expectCount: 3 }], (b) => client.revokeAll(b)],
    ['activity', ['tok_1', { limit: 5, cursor: 'c' }], (id, q) => client.activity(id, q)],
  ];

  it('every method, argument and field (three levels): answered or a ManagementError, never a TypeError or URIError', async () => {
    expect(await thrown(CALLS, 3)).toEqual([]);
  });

  it('a refusal sends nothing, and names the field', async () => {
    const refused: [() => Promise<unknown>, string][] = [
      [() => client.list({ ownerId: Object.create(null) } as never), 'ownerId'],
      [() => client.list({ cursor: [Symbol('x')] } as never), 'cursor'],
      [() => client.activity('tok_1', { limit: 5n } as never), 'limit'],
      [() => client.list('x'.repeat(1 << 20) as never), 'query'],
      [() => client.create({ label: 'ci', metadata: { n: 1n } } as never), 'metadata'],
      [() => client.update('tok_1', { metadata: { n: 1n } } as never), 'metadata'],
      [() => client.get('\uD800'), 'id'],
      [() => client.revoke('tok_\uDFFF'), 'id'],
    ];
    for (const [call, field] of refused) {
      sent.length = 0;
      const error = await call().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ManagementError);
      expect(error).toMatchObject({ code: 'invalid_request', status: 0 });
      expect((error as Error).message).toContain(field);
      expect(sent).toEqual([]);
    }
  });

  it('any value as a query value or a body field (fast-check): answered or a ManagementError', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.anything({ withNullPrototype: true, withBigInt: true, withBoxedValues: true, withMap: true, withSet: true }),
        fc.constantFrom('list', 'create', 'update', 'revokeAll', 'activity'),
        async (value, call) => {
          const run = {
            list: () => client.list({ ownerId: value } as never),
            create: () => client.create({ label: 'ci', metadata: value } as never),
            update: () => client.update('tok_1', { label: value } as never),
            revokeAll: () => client.revokeAll({ target: value } as never),
            activity: () => client.activity('tok_1', { cursor: value } as never),
          }[call];
          expect(await outcome(run)).not.toMatch(/^THREW/);
        },
      ),
      { numRuns: 300 },
    );
  });
});

const scopes = defineScopes({ read: {}, write: { implies: ['read'] } });

/** A keycard over a store whose tokens can be counted, with one restricted token's identity. */
async function world() {
  const store = memoryTokenStore();
  const errors: unknown[] = [];
  const kc: Keycard = createKeycard({
    prefix: 'acme',
    scopes,
    store,
    resources: ['company', 'project'],
    onError: (e) => void errors.push(e),
  });
  const issued = await kc.issue({ ownerId: 'u1', label: 'r', scopes: ['read'], restrictions: { company: ['c1'] } });
  const verified = await kc.verify(issued.token);
  if (!verified.ok) throw new Error('the fixture token did not verify');
  const count = async () => (await kc.list({ status: 'all', limit: 100 })).records.length;
  return { kc, errors, identity: verified.identity as Identity, token: issued.token, count };
}

describe('keycard: hostile values in every argument and field of the management calls', () => {
  it('issue, update, revoke, revokeAll, rotate, list, get, verify, invalidateOwner: answered or a KeycardError; a refused issue stores nothing', async () => {
    const { kc, count } = await world();
    const fresh = async () => (await kc.issue({ ownerId: 'u2', label: 'x', scopes: ['read'] })).record.id;
    const actor = { kind: 'user', id: 'u1', scopes: ['read', 'write'], requestId: 'req-1' };
    const issueInput = {
      ownerId: 'u2',
      label: 'ci',
      scopes: ['read'],
      metadata: { a: 'b', n: [1] },
      rateLimit: { limit: 5, window: 60 },
      expiresIn: '30d',
      actor,
      restrictions: { company: ['c1'] },
    };
    let issued = 0;
    const CALLS: Call[] = [
      [
        'issue',
        [issueInput],
        async (input) => {
          const before = await count();
          const got = await outcome(() => kc.issue(input));
          if (got === 'answered') issued++;
          else expect(await count(), `a refused issue stored a token: ${got}`).toBe(before);
          if (got.startsWith('THREW')) throw new Error(got);
        },
      ],
      ['verify', ['acme_x', { workspaceId: 'w1' }], (t, c) => kc.verify(t, c)],
      [
        'revoke',
        ['ID', { reason: 'r', actor: { kind: 'system', id: 's' } }],
        async (id, o) => kc.revoke(id === 'ID' ? await fresh() : id, o),
      ],
      ['revokeAll', [{ ownerId: 'nobody' }, { reason: 'r', actor }], (f, o) => kc.revokeAll(f, o)],
      ['rotate', ['ID', { graceMs: 1000, actor }], async (id, o) => kc.rotate(id === 'ID' ? await fresh() : id, o)],
      [
        'list',
        [{ ownerId: 'u1', status: 'active', limit: 10, kind: 'personal', expiringWithinMs: 1000 }],
        (f) => kc.list(f),
      ],
      ['get', ['tok_1'], (id) => kc.get(id)],
      [
        'update',
        [
          'ID',
          { label: 'y', metadata: { a: 1 }, rateLimit: { limit: 3, window: 60 }, expiresAt: Date.now() + 1e6 },
          { actor },
        ],
        async (id, p, o) => {
          const target = id === 'ID' ? await fresh() : id;
          const before = typeof target === 'string' ? await kc.get(target) : null;
          const got = await outcome(() => kc.update(target, p, o));
          if (got.startsWith('refused') && before)
            expect(await kc.get(target), 'a refused update wrote').toEqual(before);
          if (got.startsWith('THREW')) throw new Error(got);
        },
      ],
      ['invalidateOwner', ['u1'], (id) => kc.invalidateOwner(id)],
    ];
    expect(await thrown(CALLS, 3)).toEqual([]);
    expect(issued).toBeGreaterThan(0);
    await kc.close();
  });

  it('Proxy metadata is stored as the JSON it reads as, a copy (issue and update)', async () => {
    const { kc } = await world();
    const metadata = new Proxy({ team: 'infra', tags: ['a'] }, {});
    const { record } = await kc.issue({ ownerId: 'u2', label: 'p', scopes: ['read'], metadata });
    expect(record.metadata).toEqual({ team: 'infra', tags: ['a'] });
    const updated = await kc.update(record.id, { metadata: new Proxy({ team: 'web' }, {}) });
    expect(updated.metadata).toEqual({ team: 'web' });
    expect((await kc.get(record.id))?.metadata).toEqual({ team: 'web' });
    await kc.close();
  });

  it('any value as metadata or label (fast-check): stored or a KeycardError, and a refusal stores nothing', async () => {
    const { kc, count } = await world();
    await fc.assert(
      fc.asyncProperty(
        fc.anything({
          withNullPrototype: true,
          withBigInt: true,
          withBoxedValues: true,
          withMap: true,
          withSparseArray: true,
        }),
        fc.constantFrom('metadata', 'label', 'ownerId', 'restrictions'),
        async (value, field) => {
          const before = await count();
          const got = await outcome(() =>
            kc.issue({ ownerId: 'u3', label: 'x', scopes: ['read'], [field]: value } as never),
          );
          expect(got).not.toMatch(/^THREW/);
          if (got !== 'answered') expect(await count()).toBe(before);
        },
      ),
      { numRuns: 300 },
    );
    await kc.close();
  });
});

/** Resource paths whose id JavaScript cannot turn into text, or that name a type by an array index. */
const UNREADABLE_PATHS: [string, unknown][] = [
  ['{ company: Object.create(null) }', { company: Object.create(null) }],
  ['{ company: { toString: null, valueOf: null } }', { company: { toString: null, valueOf: null } }],
  ["{ company: [Symbol('x')] }", { company: [Symbol('x')] }],
  ['{ company: { [Symbol.toPrimitive]: 1 } }', { company: { [Symbol.toPrimitive]: 1 } }],
  ['{ length: Object.create(null) }', { length: Object.create(null) }],
  ['[Object.create(null)]', [Object.create(null)]],
];

describe('a resource path holding a value JavaScript cannot convert', () => {
  for (const [what, path] of UNREADABLE_PATHS) {
    it(`${what}: identity.assert throws KeycardError invalid_argument; the guard answers 403 and reports it`, async () => {
      const { kc, errors, identity, token } = await world();
      expect(await outcome(() => identity.assert(path as never, 'read'))).toBe('refused invalid_argument');
      const r = await kc.authenticate(
        { method: 'GET', url: 'https://api.example/x', headers: { authorization: `Bearer ${token}` } },
        { scope: 'read', resource: { path: path as never } },
      );
      expect(r).toMatchObject({ ok: false, status: 403, code: 'forbidden_resource' });
      expect(errors.map((e) => (e as Error).name)).toEqual(['KeycardError']);
      await kc.close();
    });
  }
});
