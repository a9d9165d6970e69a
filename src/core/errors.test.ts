import { describe, expect, it } from 'vitest';
import { KeycardError, isKeycardError } from './errors.ts';
import { redact } from './redact.ts';
import { generateToken } from './token.ts';
import { sha256Hex } from './sha256.web.ts';

describe('KeycardError', () => {
  it('has a stable code, a name and keeps its cause', () => {
    const cause = new Error('socket closed');
    const e = new KeycardError('unavailable', 'Token store unreachable', { cause });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('KeycardError');
    expect(e.code).toBe('unavailable');
    expect(e.cause).toBeInstanceOf(Error);
    expect((e.cause as Error).message).toBe(cause.message); // a sanitised copy of the cause is kept
    expect(isKeycardError(e)).toBe(true);
    expect(isKeycardError(new Error('x'))).toBe(false);
    expect(String(e)).toBe('KeycardError: Token store unreachable');
  });

  it('never carries a token or a hash in its message, stack or cause', () => {
    const token = generateToken({ prefix: 'acme' });
    const digest = sha256Hex(token);
    const cause = new Error(`driver said: duplicate key ${digest} for ${token}`);
    const e = new KeycardError('invalid_argument', `label "${token}" is not allowed`, { cause });
    const everything = [e.message, e.stack, (e.cause as Error).message, (e.cause as Error).stack].join('\n');
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(digest);
    expect(e.message).toBe('label "[redacted]" is not allowed');
  });
});

describe('redact', () => {
  it('masks tokens of any prefix and type, and SHA-256 digests', () => {
    const a = generateToken({ prefix: 'comma' });
    const b = generateToken({ prefix: 'tok', type: 'pk' });
    expect(redact(`x ${a} y ${b} z`)).toBe('x [redacted] y [redacted] z');
    expect(redact(sha256Hex('x'))).toBe('[redacted]');
  });

  it('leaves ordinary text alone', () => {
    expect(redact('Token missing scope: tickets:write')).toBe('Token missing scope: tickets:write');
  });
});

describe('causes', () => {
  it('are sanitised along the whole chain and in their own fields', () => {
    const token = generateToken({ prefix: 'acme' });
    const digest = sha256Hex(token);
    const inner = Object.assign(new Error(`ERR wrong ${digest}`), { command: { args: [digest, token] } });
    const outer = Object.assign(new Error('driver failed', { cause: inner }), {
      detail: `Key (hash)=(${digest}) exists`,
    });
    const e = new KeycardError('unavailable', 'Token store lookup failed', { cause: outer });
    const seen =
      JSON.stringify(e.cause, Object.getOwnPropertyNames(e.cause as object)) +
      String((e.cause as Error).cause) +
      JSON.stringify((e.cause as { cause: unknown }).cause, ['message', 'command', 'args']);
    expect(seen).not.toContain(digest);
    expect(seen).not.toContain(token);
    expect(((e.cause as Error).cause as Error).message).toBe('ERR wrong [redacted]');
  });
});
