/**
 * leak52 item 1: a caller who pastes a secret as a KEY of an option bag, a body or a query (or as
 * a resource type name) gets an answer that names the field without the secret: the token, its
 * 39-character tail (no `<prefix>_<type>_` for `redact` to see), its hash in hex, HEX, base64 and
 * base64url. Checked on the thrown KeycardError's message AND `fields`, and on the 400 bodies.
 */
import { describe, expect, test } from 'vitest';
import { sha256Hex } from '#hash';
import {
  createKeycard,
  createLeakIntakeHandler,
  createManagementHandler,
  defineScopes,
  memoryAuditStore,
} from '../src/index.ts';
import { setup } from './manage/fixture.ts';
import { leaks } from './secret-encodings.ts';

const s = setup();
const { token, record } = await s.create();
const hex = sha256Hex(token);
const bytes = Buffer.from(hex, 'hex');
const ENCODINGS: Record<string, string> = {
  token,
  'tail (no prefix)': token.slice(token.lastIndexOf('_') + 1),
  hex,
  HEX: hex.toUpperCase(),
  base64: bytes.toString('base64'),
  base64url: bytes.toString('base64url'),
};
const scopes = () => defineScopes({ read: {} });

/** call: throws for `key`; field: the field the answer must still name (the key masked). */
const THROWN: Record<string, [(key: string) => unknown, field: string | null]> = {
  'issue(input) key': [(k) => s.keycard.issue({ ownerId: 'u', label: 'x', [k]: 1 } as never), '[redacted]'],
  'issue rateLimit key': [
    (k) => s.keycard.issue({ ownerId: 'u', label: 'x', rateLimit: { limit: 1, window: 1, [k]: 1 } } as never),
    'rateLimit.[redacted]',
  ],
  'issue restrictions type': [
    (k) => s.keycard.issue({ ownerId: 'u', label: 'x', restrictions: { [k]: ['a'] } } as never),
    'restrictions',
  ],
  'update(patch) key': [(k) => s.keycard.update(record.id, { [k]: 1 } as never), 'patch.[redacted]'],
  'revoke(options) key': [(k) => s.keycard.revoke(record.id, { [k]: 1 } as never), '[redacted]'],
  'revokeAll(options) key': [(k) => s.keycard.revokeAll({ ownerId: 'u' }, { [k]: 1 } as never), '[redacted]'],
  'rotate(options) key': [(k) => s.keycard.rotate(record.id, { [k]: 1 } as never), '[redacted]'],
  'list(filter) key': [(k) => s.keycard.list({ [k]: 1 } as never), '[redacted]'],
  'createKeycard option': [(k) => createKeycard({ prefix: 'acme', scopes: scopes(), [k]: 1 } as never), null],
  'createManagementHandler option': [
    (k) => createManagementHandler(s.keycard, { authorize: () => null, [k]: 1 } as never),
    null,
  ],
  'createLeakIntakeHandler option': [
    (k) => createLeakIntakeHandler(s.keycard, { provider: 'github', [k]: 1 } as never),
    null,
  ],
  'audit query key': [(k) => memoryAuditStore().query({ [k]: 1 } as never), '[redacted]'],
  'audit export filter key': [(k) => memoryAuditStore().export({ [k]: 1 } as never, 'ndjson'), '[redacted]'],
};

describe('a secret pasted as a key is masked in the thrown error, which still names the field', () => {
  for (const [what, [call, field]] of Object.entries(THROWN))
    for (const [encoding, key] of Object.entries(ENCODINGS))
      test(`${what}: ${encoding}`, async () => {
        const error = await (async () => call(key))().then(
          () => null,
          (e: unknown) => e as { message: string; fields?: string[] },
        );
        expect(error).not.toBeNull();
        const seen = JSON.stringify({ message: error!.message, fields: error!.fields });
        expect(leaks(seen, token), seen).toBeNull();
        if (field !== null) expect(error!.fields, seen).toContain(field);
      });
});

const HTTP: Record<
  string,
  [method: string, path: (key: string) => string, body: ((key: string) => unknown) | undefined, field: string]
> = {
  'POST /tokens body key': ['POST', () => '/tokens', (k) => ({ label: 'x', [k]: 1 }), '[redacted]'],
  'POST /tokens rateLimit key': [
    'POST',
    () => '/tokens',
    (k) => ({ label: 'x', rateLimit: { limit: 1, window: 1, [k]: 1 } }),
    'rateLimit.[redacted]',
  ],
  'POST /tokens restrictions type': [
    'POST',
    () => '/tokens',
    (k) => ({ label: 'x', restrictions: { [k]: ['a'] } }),
    'restrictions',
  ],
  'PATCH /tokens/:id body key': ['PATCH', () => `/tokens/${record.id}`, (k) => ({ [k]: 1 }), '[redacted]'],
  'GET /tokens query parameter': ['GET', (k) => `/tokens?${encodeURIComponent(k)}=1`, undefined, '[redacted]'],
};

describe('a secret pasted as a key is masked in the 400 body, which still names the field', () => {
  for (const [what, [method, path, body, field]] of Object.entries(HTTP))
    for (const [encoding, key] of Object.entries(ENCODINGS))
      test(`${what}: ${encoding}`, async () => {
        const res = await s.call(method, path(key), body ? { body: body(key) } : {});
        const text = await res.text();
        expect(res.status, text).toBe(400);
        expect(leaks(text, token), text).toBeNull();
        const errors = (JSON.parse(text) as { errors: { field: string }[] }).errors;
        expect(
          errors.map((e) => e.field),
          text,
        ).toContain(field);
      });
  test('nothing logged holds the secret', () => expect(leaks(s.logs.join('\n'), token)).toBeNull());
});
