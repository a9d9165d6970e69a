/**
 * The public constructors called from untyped code with nothing or the wrong things: `new
 * KeycardError()`, `new AuditLossError()` and `new Identity()` (root). Each answered with a
 * TypeError from deep inside (`reading 'replace'`, `forms is not iterable`, `reading 'id'`). Now
 * each throws a `KeycardError('invalid_argument')` with `fields`, naming every bad argument at
 * once. Well-formed calls are unchanged. `new ManagementError()` (keycard/client, keycard/ui) is
 * left unchecked: the smallest check took keycard/ui over its 16 KB guard (docs/benchmarks.md).
 */
import { describe, expect, it } from 'vitest';
import { ManagementError } from '../src/client/index.ts';
import { AuditLossError, Identity, KeycardError, type TokenRecord } from '../src/index.ts';

/** What `make` throws: its class, code and message, and the fields a KeycardError names. */
function thrown(make: () => unknown): { name: string; code?: string; message: string; fields?: readonly string[] } {
  try {
    make();
  } catch (e) {
    const err = e as KeycardError;
    return { name: err.constructor.name, code: err.code, message: err.message, fields: err.fields };
  }
  throw new Error('did not throw');
}

const record = {
  id: 'tok_1',
  label: 'ci',
  ownerId: 'u1',
  kind: 'personal' as const,
  workspaceId: null,
  scopes: ['read'],
  restrictions: null,
  expiresAt: null,
  createdAt: 0,
  metadata: {},
  familyId: 'tok_1',
} as unknown as TokenRecord;

describe('KeycardError and AuditLossError', () => {
  const rows: [string, () => unknown, readonly string[]][] = [
    ['new KeycardError()', () => new (KeycardError as never as new () => unknown)(), ['code', 'message']],
    ['a code and no message', () => new KeycardError('not_found', undefined as never), ['message']],
    ['a number as message', () => new KeycardError('not_found', 42 as never), ['message']],
    ['a symbol as message', () => new KeycardError('not_found', Symbol('m') as never), ['message']],
    ['a number as code', () => new KeycardError(404 as never, 'm'), ['code']],
    ['options a string', () => new KeycardError('not_found', 'm', 'x' as never), ['options']],
    [
      'secrets not an array',
      () => new KeycardError('not_found', 'm', { secrets: 'abc' as never }),
      ['options.secrets'],
    ],
    [
      'fields not an array',
      () => new KeycardError('invalid_argument', 'm', { fields: 1 as never }),
      ['options.fields'],
    ],
    // Falsy but present: read as given, not as absent (0 was `forms is not iterable`, '' was kept as fields).
    ['secrets 0', () => new KeycardError('not_found', 'm', { secrets: 0 as never }), ['options.secrets']],
    ['fields an empty string', () => new KeycardError('not_found', 'm', { fields: '' as never }), ['options.fields']],
    ['new AuditLossError()', () => new (AuditLossError as never as new () => unknown)(), ['lost', 'message']],
    ['AuditLossError(lost: a string)', () => new AuditLossError('3' as never, 'lost'), ['lost']],
  ];
  for (const [what, make, fields] of rows) {
    it(`${what}: KeycardError invalid_argument naming ${fields.join(', ')}`, () => {
      const e = thrown(make);
      expect(e.name).toBe('KeycardError');
      expect(e.code).toBe('invalid_argument');
      expect(e.fields).toEqual(fields);
      for (const field of fields) expect(e.message).toContain(field);
    });
  }

  it('well-formed calls are unchanged', () => {
    const e = new KeycardError('not_found', 'No such token', { fields: ['id'], secrets: [] });
    expect([e.name, e.code, e.message, e.fields]).toEqual(['KeycardError', 'not_found', 'No such token', ['id']]);
    expect(new KeycardError('conflict', 'x', null as never).code).toBe('conflict');
    const lost = new AuditLossError(3, '3 events lost');
    expect([lost.name, lost.code, lost.lost, lost.message]).toEqual([
      'AuditLossError',
      'unavailable',
      3,
      '3 events lost',
    ]);
  });
});

describe('Identity', () => {
  const rows: [string, () => unknown, readonly string[]][] = [
    ['new Identity()', () => new (Identity as never as new () => unknown)(), ['record', 'scopes']],
    [
      'a record without an id',
      () => new Identity({ ...record, id: undefined } as never, new Set<string>(), null),
      ['record'],
    ],
    ['scopes an array', () => new Identity(record, ['read'] as never, null), ['scopes']],
    ['a string as hierarchy', () => new Identity(record, new Set<string>(), 'company' as never), ['hierarchy']],
    ['an unknown kind', () => new Identity(record, new Set<string>(), null, 'jwt' as never), ['kind']],
  ];
  for (const [what, make, fields] of rows) {
    it(`${what}: KeycardError invalid_argument naming ${fields.join(', ')}`, () => {
      const e = thrown(make);
      expect([e.name, e.code, e.fields]).toEqual(['KeycardError', 'invalid_argument', fields]);
      for (const field of fields) expect(e.message).toContain(field);
    });
  }

  it('well-formed calls are unchanged', () => {
    const id = new Identity(record, new Set(['read']), null);
    expect([id.tokenId, id.kind, id.has('read')]).toEqual(['tok_1', 'personal', true]);
    expect(new Identity(record, new Set<string>(), undefined as never, 'oauth').kind).toBe('oauth');
  });
});

describe('ManagementError (keycard/client)', () => {
  const problem = { type: 'about:blank', title: 'Not Found', status: 404, detail: 'No such token', code: 'not_found' };
  it('a problem body as the server sends it is unchanged', () => {
    const e = new ManagementError(problem);
    expect([e.code, e.status, e.message, e.errors]).toEqual(['not_found', 404, 'No such token', []]);
  });
});
