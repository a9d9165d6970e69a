import { describe, expect, it } from 'vitest';
import type { RequestAuditEvent, TokenAuditEvent } from './audit.ts';
import { describeActor } from './attribution.ts';

const names = (id: string) => ({ usr_jason: 'Jason' })[id];
const request: RequestAuditEvent = {
  type: 'request.allowed',
  time: '2030-01-01T00:00:00.000Z',
  tokenId: 'tok_1',
  label: 'claude-code on macbook',
  ownerId: 'usr_jason',
  workspaceId: null,
  surface: 'mcp',
  method: 'POST',
  path: '/mcp',
  requestId: 'r1',
};

describe('describeActor', () => {
  it('renders a request event as owner (label) · via surface', () => {
    expect(describeActor(request, { name: names })).toBe('Jason (claude-code on macbook) · via MCP');
    expect(describeActor({ ...request, surface: 'http' })).toBe('usr_jason (claude-code on macbook) · via HTTP');
    expect(describeActor({ ...request, tokenId: null, label: null, ownerId: null })).toBe('unknown caller · via MCP');
  });

  it('renders an identity, with the surface only when given', () => {
    const identity = { tokenId: 'tok_1', label: 'claude-code on macbook', ownerId: 'usr_jason' };
    expect(describeActor(identity, { name: names, surface: 'mcp' })).toBe('Jason (claude-code on macbook) · via MCP');
    expect(describeActor(identity, { name: names })).toBe('Jason (claude-code on macbook)');
  });

  it('renders the actor of a management event', () => {
    const base: Omit<TokenAuditEvent, 'actor'> = {
      type: 'token.issued',
      time: request.time,
      tokenId: 'tok_1',
      label: 'ci',
      ownerId: 'usr_jason',
      workspaceId: null,
    };
    expect(describeActor({ ...base, actor: { kind: 'user', id: 'usr_jason' } }, { name: names })).toBe('Jason');
    expect(describeActor({ ...base, actor: { kind: 'token', id: 'tok_admin' } })).toBe('token tok_admin');
    expect(describeActor({ ...base, actor: { kind: 'system', id: null } })).toBe('system');
  });
});
