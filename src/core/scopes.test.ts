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
