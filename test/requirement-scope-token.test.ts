/**
 * The law of a requirement's scope names, through `keycard.authenticate` itself: a name that is
 * not an RFC 6749 scope-token of at most 128 characters (RFC 6749 §3.3: 1*( %x21 / %x23-5B /
 * %x5D-7E ); `defineScopes` refuses any other name, SPEC §3) can never be met, so the requirement
 * fails closed (503 `unavailable`, a `KeycardError('invalid_config')` for `onError`); any other
 * name the token lacks is a 403 naming it in the challenge's `scope` attribute as it is, which
 * then holds only what RFC 6750 §3 allows there (no `"` or `\`, not even as a quoted-pair). The
 * same requirements through real Express, Hono and Next: test/requirement-shape.test.ts.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  anyOf,
  createKeycard,
  KeycardError,
  type AuthRequirement,
  type Keycard,
  type Requirement,
} from '../src/index.ts';
import { requirementError } from '../src/adapter-kit.ts';
import { toadoScopes } from './helpers.ts';

const errors: unknown[] = [];
const keycard: Keycard = createKeycard({
  prefix: 'acme',
  scopes: toadoScopes(),
  rateLimit: { limit: 1_000_000, window: 60 }, // the law makes a few hundred checks with one token
  onError: (e) => errors.push(e),
  onWarning: () => {},
});
let reader = '';
beforeAll(async () => {
  reader = (await keycard.issue({ ownerId: 'u1', label: 'reader', scopes: ['read'] })).token;
});
afterAll(() => keycard.close());

const check = (requirement: AuthRequirement) =>
  keycard.authenticate(
    new Request('http://localhost/x', { headers: { authorization: `Bearer ${reader}` } }),
    requirement,
  );

describe("a requirement's scope names (RFC 6749 §3.3, RFC 6750 §3)", () => {
  it('a scope-token the catalogue does not declare is still a 403 naming it, as it is', async () => {
    const r = await check({ scope: { allOf: ['read', 'nope', 'x:y!'] } });
    expect(r).toMatchObject({
      status: 403,
      headers: { 'WWW-Authenticate': 'Bearer realm="api", error="insufficient_scope", scope="nope x:y!"' },
    });
  });

  it('a name that is not one is refused, named, wherever it sits', async () => {
    const since = errors.length;
    const r = await check({ scope: { anyOf: ['read', { allOf: ['comments', 'a"b'] }] } });
    expect(r).toMatchObject({ ok: false, status: 503, code: 'unavailable' });
    const reported = errors.slice(since) as KeycardError[];
    expect(reported.map((e) => [e instanceof KeycardError, e.code])).toEqual([[true, 'invalid_config']]);
    expect(reported[0]!.message).toMatch(/^scope: not RFC 6749 scope-tokens: "a\\"b"$/);
  });

  // Read by the scope check (src/core/scopes.ts missingOf) as it comes: a string's characters, a
  // Set's members; a part that is no name is never met, but an alternative beside it may be.
  it.each<[string, unknown, RegExp]>([
    ['an anyOf that is a Set', { anyOf: new Set(['read', 'a"b']) }, /^scope: .*: an anyOf that is not an array$/],
    [
      'an allOf that is a string, beside read',
      { anyOf: ['read', { allOf: 'a"b' }] },
      /: an allOf that is not an array$/,
    ],
    ['a number beside read', { anyOf: ['read', 5] }, /: a number$/],
    ['null beside read', { anyOf: ['read', null] }, /: null$/],
    [
      'an object with neither allOf nor anyOf beside read',
      { anyOf: ['read', {}] },
      /: an object with neither allOf nor anyOf$/,
    ],
    ['both allOf and anyOf', { allOf: ['read'], anyOf: ['admin'] }, /: an object with both allOf and anyOf$/],
    ['a boolean (reports coalesce by message: not a number again)', true, /: a boolean$/],
  ])(
    'a part that is no name and no allOf/anyOf array is refused, named, though read meets another: %s',
    async (_, scope, message) => {
      const since = errors.length;
      const r = await check({ scope } as AuthRequirement);
      expect(r).toMatchObject({ ok: false, status: 503, code: 'unavailable' });
      const reported = errors.slice(since) as KeycardError[];
      expect(reported.map((e) => [e instanceof KeycardError, e.code])).toEqual([[true, 'invalid_config']]);
      expect(reported[0]!.message).toMatch(message);
    },
  );

  it('a scope left undefined asks for no scope (the MCP gate passes one for a tool with no rule)', async () => {
    expect(await check({ scope: undefined })).toMatchObject({ ok: true });
  });

  it('law: any name is refused iff it is not a scope-token of at most 128 characters; else the challenge names it as it is', async () => {
    const token = /^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ unit: 'binary', maxLength: 140 }), fc.stringMatching(/^[\x21-\x7e]{1,12}$/)),
        async (name) => {
          const r = await check({ scope: name });
          if (r.ok || r.skip) expect(name).toBe('read');
          else if (!token.test(name)) expect([r.status, r.code]).toEqual([503, 'unavailable']);
          else
            expect([r.status, r.headers['WWW-Authenticate']]).toEqual([
              403,
              `Bearer realm="api", error="insufficient_scope", scope="${name}"`,
            ]);
        },
      ),
      { numRuns: 300 },
    );
  });
});

/**
 * A scope whose allOf/anyOf holds itself (a requirement built in code, reused and extended) or
 * nests past any requirement one writes: walked as it comes, the shape check overflowed the stack
 * (a `RangeError` for `onError`), and a cycle of two alternatives, walked to a depth bound, would
 * take 2^depth steps. It is refused, named, before anything walks it: at most 64 allOf/anyOf
 * groups, counted as walked (a group reached twice counts twice).
 */
describe('a scope nested in itself, or past 64 allOf/anyOf groups, fails closed, named', () => {
  // Its own keycard each: request-path reports of one kind are coalesced per second.
  const refused = async (scope: unknown) => {
    const reported: unknown[] = [];
    const own = createKeycard({
      prefix: 'acme',
      scopes: toadoScopes(),
      onError: (e) => reported.push(e),
      onWarning: () => {},
    });
    try {
      const { token } = await own.issue({ ownerId: 'u1', label: 'reader', scopes: ['read'] });
      const r = await own.authenticate(
        new Request('http://localhost/x', { headers: { authorization: `Bearer ${token}` } }),
        { scope } as AuthRequirement,
      );
      expect(r).toMatchObject({ ok: false, status: 503, code: 'unavailable' });
      expect(reported.map((e) => [e instanceof KeycardError, (e as KeycardError).code])).toEqual([
        [true, 'invalid_config'],
      ]);
      expect((reported[0] as Error).message).toBe('scope: more than 64 allOf/anyOf groups, or one nested in itself');
    } finally {
      await own.close();
    }
  };
  /** `depth` groups, each the only part of the one above, the last holding `inner`. */
  const chain = (depth: number, inner: unknown = 'read') => {
    let r: unknown = inner;
    for (let i = 0; i < depth; i++) r = i % 2 ? { allOf: [r] } : { anyOf: [r] };
    return r;
  };

  it('an anyOf that holds itself, beside read', async () => {
    const r: { anyOf: unknown[] } = { anyOf: [] };
    r.anyOf.push(r, 'read');
    await refused(r);
  });

  it('an allOf inside an anyOf that holds the anyOf', async () => {
    const outer: { anyOf: unknown[] } = { anyOf: [] };
    outer.anyOf.push({ allOf: ['read', outer] });
    await refused(outer);
  });

  it('an anyOf of itself twice (2^depth steps to a depth bound)', async () => {
    const r: { anyOf: unknown[] } = { anyOf: [] };
    r.anyOf.push(r, r);
    await refused(r);
  });

  it('a chain 100,000 groups deep', async () => {
    await refused(chain(100_000));
  });

  it('64 groups are a requirement: a reader meets read at the bottom of 64, not 65', async () => {
    expect(await check({ scope: chain(64) } as AuthRequirement)).toMatchObject({ ok: true });
    await refused(chain(65));
  });
});

// `keycard.scopes.assertRequirement` is the check an integrator calls when it declares a route
// (its doc: typos fail at start): a scope nested in itself is refused there too, named, not with
// the `RangeError` of a walk that overflowed the stack.
describe('scopes.assertRequirement refuses a scope nested in itself with invalid_config', () => {
  it('an anyOf that holds itself, and a chain 100,000 groups deep', () => {
    const own = createKeycard({ prefix: 'acme', scopes: toadoScopes(), onWarning: () => {} });
    const r: { anyOf: unknown[] } = { anyOf: ['read'] };
    r.anyOf.push(r);
    let deep: unknown = 'read';
    for (let i = 0; i < 100_000; i++) deep = { allOf: [deep] };
    for (const scope of [r, deep]) {
      let thrown: unknown;
      try {
        own.scopes.assertRequirement(scope as never);
      } catch (e) {
        thrown = e;
      }
      expect([thrown instanceof KeycardError, (thrown as KeycardError).code, (thrown as Error).message]).toEqual([
        true,
        'invalid_config',
        'scope: more than 64 allOf/anyOf groups, or one nested in itself',
      ]);
    }
    void own.close();
  });
});

/**
 * Every public method of the catalogue that takes a requirement (`missing`, `satisfies`,
 * `assertRequirement`) runs the guards' shape check first: called directly (an integrator's own
 * check, the MCP gate's tools), a scope nested in itself or 100,000 groups deep was walked until
 * the stack overflowed (a `RangeError`), and `null` or a part that is no allOf/anyOf array was a
 * `TypeError` or read as a string's characters. Each is `KeycardError('invalid_config')` naming it.
 */
describe('every catalogue method given a requirement refuses a malformed one with invalid_config, named', () => {
  const own = toadoScopes();
  const held = new Set(['read']);
  const methods: [string, (r: Requirement) => unknown][] = [
    ['missing', (r) => own.missing(r, held)],
    ['satisfies', (r) => own.satisfies(r, held)],
    ['assertRequirement', (r) => own.assertRequirement(r)],
  ];
  const thrown = (call: () => unknown) => {
    try {
      call();
    } catch (e) {
      return [e instanceof KeycardError, (e as KeycardError).code, (e as Error).message];
    }
    return 'returned';
  };
  const nested = 'scope: more than 64 allOf/anyOf groups, or one nested in itself';
  const cyclic = () => {
    const r = anyOf('comments') as { anyOf: Requirement[] }; // not held: the walk goes on to r
    r.anyOf.push(r);
    return r;
  };
  const deep = () => {
    let r: Requirement = 'read';
    for (let i = 0; i < 100_000; i++) r = i % 2 ? { allOf: [r] } : { anyOf: [r] };
    return r;
  };

  it.each(methods)('%s: an anyOf that holds itself, and a chain 100,000 groups deep', (_, call) => {
    expect(thrown(() => call(cyclic()))).toEqual([true, 'invalid_config', nested]);
    expect(thrown(() => call(deep()))).toEqual([true, 'invalid_config', nested]);
  });

  it.each(methods)('%s: null, a string anyOf and a Set anyOf are named, not a TypeError or read', (_, call) => {
    const bad = 'scope: not a scope name or an allOf/anyOf array: ';
    expect(thrown(() => call(null as never))).toEqual([true, 'invalid_config', `${bad}null`]);
    for (const anyOf of ['read', new Set(['read'])])
      expect(thrown(() => call({ anyOf } as never))).toEqual([
        true,
        'invalid_config',
        `${bad}an anyOf that is not an array`,
      ]);
  });

  // Random trees of allOf/anyOf groups, some made to hold an ancestor: each method throws iff the
  // guards' check names a problem, then invalid_config with its message; never a RangeError.
  it('law: each method throws invalid_config, named as the guards name it, iff the shape check refuses', () => {
    type Group = { allOf?: unknown[]; anyOf?: unknown[] };
    const tree = fc.letrec<{ node: unknown }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'medium' },
        fc.constantFrom('read', 'comments', 'nope'),
        fc
          .tuple(fc.boolean(), fc.array(tie('node'), { maxLength: 4 }))
          .map(([all, parts]) => (all ? { allOf: parts } : { anyOf: parts })),
      ),
    })).node;
    const groups = (n: unknown, out: Group[] = []): Group[] => {
      if (typeof n !== 'object') return out;
      out.push(n as Group);
      for (const p of (n as Group).allOf ?? (n as Group).anyOf ?? []) groups(p, out);
      return out;
    };
    fc.assert(
      fc.property(tree, fc.option(fc.tuple(fc.nat(), fc.nat())), (generated, loop) => {
        const root = structuredClone(generated); // mutated below: fast-check's shrinking reuses values
        const all = groups(root);
        if (loop !== null && all.length > 0) {
          // A later group (a descendant or a sibling's) made to hold an earlier one: a cycle or a shared part.
          const [a, b] = [all[loop[0] % all.length]!, all[loop[1] % all.length]!];
          (b.allOf ?? b.anyOf)!.push(a);
        }
        const shape = requirementError({ scope: root });
        for (const [, call] of methods) {
          const got = thrown(() => call(root as Requirement));
          if (shape !== null) expect(got).toEqual([true, 'invalid_config', shape]);
          else if (got !== 'returned') expect(got[0]).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
