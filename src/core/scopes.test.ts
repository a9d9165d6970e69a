import { describe, expect, it, vi } from 'vitest';
import { KeycardError } from './errors.ts';
import { allOf, anyOf, boundByOwner, defineScopes, describeMissing } from './scopes.ts';

const toado = () =>
  defineScopes(
    {
      read: { description: 'Read everything' },
      comments: { implies: ['read'], description: 'Post comments' },
      'tickets:write': { implies: ['read', 'comments'] },
      'tickets:assign': { implies: ['read'] },
    },
    {
      presets: {
        'Claude Code triage agent': ['read', 'comments', 'tickets:write', 'tickets:assign'],
        'Read-only reporting / dashboards': ['read'],
        'Slack bot that posts comments': ['read', 'comments'],
      },
      defaults: ['read'],
    },
  );

describe('defineScopes', () => {
  it('closes a grant over its implications', () => {
    const s = toado();
    expect([...s.closure(['tickets:write'])].sort()).toEqual(['comments', 'read', 'tickets:write']);
    expect([...s.closure(['comments'])].sort()).toEqual(['comments', 'read']);
    expect([...s.closure([])]).toEqual([]);
  });

  it('names an unknown implied scope', () => {
    expect(() => defineScopes({ a: { implies: ['b'] } })).toThrow('Scope "a" implies unknown scope "b"');
  });

  it('names the cycle', () => {
    expect(() => defineScopes({ a: { implies: ['b'] }, b: { implies: ['c'] }, c: { implies: ['a'] } })).toThrow(
      'Scope implication cycle: a → b → c → a',
    );
    expect(() => defineScopes({ a: { implies: ['a'] } })).toThrow('Scope implication cycle: a → a');
  });

  it('refuses names that are not RFC 6749 scope-tokens, naming them', () => {
    for (const bad of ['has space', 'quote"', 'back\\slash', '', 'tab\t']) {
      const err = (() => {
        try {
          defineScopes({ [bad]: {} });
        } catch (e) {
          return e as KeycardError;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(KeycardError);
      expect(err!.code).toBe('invalid_config');
      expect(err!.message).toContain('scope-token');
    }
    expect(() => defineScopes({})).toThrow('at least one scope');
    expect(() => defineScopes({ a: { implies: 'b' } as never })).toThrow(/scopes\.a\.implies/);
  });

  it('validates presets and defaults', () => {
    expect(() => defineScopes({ a: {} }, { presets: { p: ['b' as 'a'] } })).toThrow(
      'Preset "p" names unknown scope "b"',
    );
    expect(() => defineScopes({ a: {} }, { defaults: ['z' as 'a'] })).toThrow('Default scope "z" is not declared');
    const s = toado();
    expect(s.presets['Read-only reporting / dashboards']).toEqual(['read']);
    expect(s.defaults).toEqual(['read']);
  });

  it('ignores a granted scope the catalogue no longer knows, warning once', () => {
    const onWarning = vi.fn();
    const s = defineScopes({ read: {} }, { onWarning });
    expect([...s.closure(['read', 'gone:scope'])]).toEqual(['read']);
    s.closure(['gone:scope']);
    expect(onWarning).toHaveBeenCalledTimes(1);
    expect(onWarning.mock.calls[0]![0]).toContain('gone:scope');
  });

  it('parses grants, refusing unknown names', () => {
    const s = toado();
    expect(s.parseGrant(['read', 'read', 'comments'])).toEqual(['read', 'comments']);
    expect(() => s.parseGrant(['nope'])).toThrow('scopes names unknown scope "nope"');
    expect(() => s.parseGrant('read')).toThrow('must be an array');
  });

  it('compares closures for the no-escalation rule', () => {
    const s = toado();
    expect(s.isWithin(['comments'], ['tickets:write'])).toBe(true);
    expect(s.isWithin(['tickets:assign'], ['tickets:write'])).toBe(false);
    expect(s.isWithin(['read'], ['comments'])).toBe(true);
  });
});

describe('requirements', () => {
  const s = toado();
  const has = (...g: string[]) => s.closure(g);

  it('explains a missing scope with the golden text', () => {
    const missing = s.missing('tickets:write', has('comments'));
    expect(missing).toEqual(['tickets:write']);
    expect(describeMissing(missing)).toBe('Token missing scope: tickets:write');
  });

  it('allOf reports every missing part', () => {
    expect(s.missing(allOf('tickets:write', 'tickets:assign'), has('read'))).toEqual([
      'tickets:write',
      'tickets:assign',
    ]);
    expect(s.missing(allOf('read', 'comments'), has('tickets:write'))).toEqual([]);
  });

  it('anyOf reports the alternative with the fewest missing scopes', () => {
    const req = anyOf(allOf('tickets:write', 'tickets:assign'), 'comments');
    expect(s.missing(req, has())).toEqual(['comments']);
    expect(s.missing(req, has('comments'))).toEqual([]);
    const nested = anyOf(allOf('tickets:write', 'tickets:assign'), allOf('comments', 'tickets:assign', 'read'));
    expect(s.missing(nested, has('read'))).toEqual(['tickets:write', 'tickets:assign']);
    expect(describeMissing(s.missing(nested, has('read')))).toBe('Token missing scope: tickets:write, tickets:assign');
  });

  it('refuses empty combinators and unknown names at declaration; a hand-built empty anyOf fails closed', () => {
    expect(() => anyOf()).toThrow('anyOf() needs at least one requirement');
    expect(() => allOf()).toThrow('allOf() needs at least one requirement');
    expect(() => s.assertRequirement(allOf('read', 'nope'))).toThrow('Requirement names unknown scope "nope"');
    expect(() => s.assertRequirement({ anyOf: [] })).toThrow('empty');
    expect(s.satisfies({ anyOf: [] }, has('read', 'comments', 'tickets:write', 'tickets:assign'))).toBe(false);
  });
});

describe('owner bound', () => {
  it('is the intersection of the two closures', () => {
    const s = toado();
    const token = s.closure(['tickets:write']);
    const owner = s.closure(['comments']);
    expect([...boundByOwner(token, owner)].sort()).toEqual(['comments', 'read']);
  });
});

describe('the codes and texts a caller reads', () => {
  const codeOf = (f: () => unknown): string | undefined => {
    try {
      f();
    } catch (e) {
      return e instanceof KeycardError ? `${e.code}: ${e.message}` : `not a KeycardError: ${String(e)}`;
    }
    return undefined;
  };

  it('a declaration fault is invalid_config; a bad grant is invalid_argument (a 400 of the management API)', () => {
    const s = toado();
    expect(codeOf(() => allOf())).toBe('invalid_config: allOf() needs at least one requirement');
    expect(codeOf(() => anyOf())).toBe('invalid_config: anyOf() needs at least one requirement');
    expect(codeOf(() => defineScopes(7 as never))).toMatch(/^invalid_config: scopes: /);
    expect(codeOf(() => defineScopes({ a: { implies: ['b'] } }))).toBe(
      'invalid_config: Scope "a" implies unknown scope "b"',
    );
    expect(codeOf(() => defineScopes({ a: {} }, { presets: { p: ['b' as 'a'] } }))).toMatch(/^invalid_config: /);
    expect(codeOf(() => defineScopes({ a: {} }, { defaults: ['b' as 'a'] }))).toMatch(/^invalid_config: /);
    expect(codeOf(() => defineScopes({ a: { implies: ['a'] } }))).toMatch(/^invalid_config: /);
    expect(codeOf(() => s.assertRequirement({ allOf: [] }))).toMatch(/^invalid_config: /);
    expect(codeOf(() => s.assertRequirement('nope'))).toMatch(/^invalid_config: /);
    expect(codeOf(() => s.parseGrant('read'))).toBe('invalid_argument: scopes must be an array of scope names');
    expect(codeOf(() => s.parseGrant(['read', 'nope'], 'body.scopes'))).toBe(
      'invalid_argument: body.scopes names unknown scope "nope"',
    );
  });

  // A `__proto__` key (JSON.parse keeps it as an own key) slipped past the catalogue's schema, whose
  // record drops that key: its definition went unchecked, to a TypeError (`implies: 5`) or a scope
  // whose description and implications nothing had validated.
  it.each([
    ['{"__proto__":{"implies":5},"read":{}}'],
    ['{"__proto__":{"description":7},"read":{}}'],
    ['{"read":{},"__proto__":{"implies":["read"]}}'],
    ['{"__proto__":{}}'],
  ])('refuses a scope named __proto__ as invalid_config: %s', (json) => {
    expect(codeOf(() => defineScopes(JSON.parse(json) as Record<string, object>))).toBe(
      'invalid_config: scopes: "__proto__" is a reserved name and not accepted',
    );
  });

  it('names the cycle from where it closes, not from where the search began', () => {
    expect(() => defineScopes({ a: { implies: ['b'] }, b: { implies: ['c'] }, c: { implies: ['b'] } })).toThrow(
      /^Scope implication cycle: b → c → b$/,
    );
  });

  it('accepts a 128-character scope name and refuses 129', () => {
    expect(defineScopes({ ['s'.repeat(128)]: {} }).names).toEqual(['s'.repeat(128)]);
    expect(() => defineScopes({ ['s'.repeat(129)]: {} })).toThrow('scope-token');
  });

  it('has no default scopes unless given some, and answers has() by the catalogue', () => {
    const s = defineScopes({ a: {} });
    expect(s.defaults).toEqual([]);
    expect(s.has('a')).toBe(true);
    expect(s.has('b')).toBe(false);
  });

  it('checks every scope of an anyOf and finds an empty combinator at any depth', () => {
    const s = toado();
    expect(s.assertRequirement(anyOf('read', 'comments'))).toEqual({ anyOf: ['read', 'comments'] });
    expect(() => s.assertRequirement(anyOf('read', 'nope'))).toThrow('Requirement names unknown scope "nope"');
    expect(() => s.assertRequirement(allOf('read', { anyOf: [] }))).toThrow('Requirement has an empty allOf/anyOf');
  });

  it('a hand-built empty anyOf reports "(no alternative)" as what is missing', () => {
    expect(toado().missing({ anyOf: [] }, new Set(['read']))).toEqual(['(no alternative)']);
  });

  it('warns through console.warn by default', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      defineScopes({ a: {} }).closure(['gone']);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0]![0]).toContain('"gone"');
    } finally {
      warn.mockRestore();
    }
  });

  it('warns about at most 1000 distinct unknown scopes, then once more, then never (OAuth grants are any text)', () => {
    const onWarning = vi.fn();
    const s = defineScopes({ a: {} }, { onWarning });
    s.closure(Array.from({ length: 1000 }, (_, i) => `gone${i}`));
    expect(onWarning).toHaveBeenCalledTimes(1000);
    expect(onWarning.mock.calls[999]![0]).toContain('"gone999"');
    s.closure(['gone0', 'gone1000']);
    expect(onWarning).toHaveBeenCalledTimes(1001);
    expect(onWarning.mock.calls[1000]![0]).toBe('keycard: more than 1000 unknown granted scopes; no more warnings');
    s.closure(['gone1001', 'gone1002']);
    expect(onWarning).toHaveBeenCalledTimes(1001);
  });
});
