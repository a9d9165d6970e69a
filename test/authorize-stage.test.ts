/**
 * The authorize stage through `authenticate()`: the workspace match of a workspace token, the
 * access level of a declared resource, and the caller's `forbid`, each of which a mutation
 * campaign showed could be switched off with every other test still passing.
 */
import { describe, expect, it } from 'vitest';
import { createKeycard, type AuthRequirement, type AuthResult } from '../src/index.ts';
import { toadoScopes } from './helpers.ts';

const req = (token: string, method = 'GET') => ({
  method,
  url: 'https://api.example.com/x',
  headers: { authorization: `Bearer ${token}` },
});

const keycard = () =>
  createKeycard({ prefix: 'acme', scopes: toadoScopes(), resources: ['company', 'project'], onWarning: () => {} });

/** The status, code and detail of a denial; 'ok' for an admission. */
function outcome(r: AuthResult): string | [number, string, string] {
  if (r.ok) return 'ok';
  if (r.skip || r.code === 'preflight') throw new Error(`unexpected ${JSON.stringify(r)}`);
  return [r.status, r.code, (JSON.parse(r.body) as { detail: string }).detail];
}

describe('the workspace a request names', () => {
  it('must be the workspace token’s own; a personal token is bounded by its owner instead', async () => {
    const kc = keycard();
    const ws = await kc.issue({ ownerId: 'u1', label: 'bot', kind: 'workspace', workspaceId: 'w1', scopes: ['read'] });
    const personal = await kc.issue({ ownerId: 'u1', label: 'me', scopes: ['read'] });
    const check = async (token: string, requirement: AuthRequirement) =>
      outcome(await kc.authenticate(req(token), requirement));
    expect(await check(ws.token, { workspaceId: 'w1', scope: 'read' })).toBe('ok');
    expect(await check(ws.token, { workspaceId: 'w2', scope: 'read' })).toEqual([
      403,
      'forbidden_resource',
      'Token not allowed for workspace w2',
    ]);
    expect(await check(ws.token, {})).toBe('ok');
    expect(await check(ws.token, { workspaceId: null })).toBe('ok');
    expect(await check(personal.token, { workspaceId: 'w2', scope: 'read' })).toBe('ok');
    await kc.close();
  });
});

describe('a declared resource', () => {
  it('is checked at the access the requirement names (by default the request class: a POST writes)', async () => {
    const kc = keycard();
    const { token } = await kc.issue({
      ownerId: 'u1',
      label: 'p1 only',
      scopes: ['tickets:write'],
      restrictions: { company: ['c1'], project: ['p1'] },
    });
    const check = async (resource: AuthRequirement['resource']) =>
      outcome(await kc.authenticate(req(token, 'POST'), { scope: 'tickets:write', resource }));
    // Reading the company leads down to p1; writing it reaches past the listed project.
    // No access named: a POST is a write (attack47; it was read, and let this token write c1).
    expect(await check({ path: { company: 'c1' } })).toEqual([
      403,
      'forbidden_resource',
      'Token not allowed for company c1',
    ]);
    expect(
      outcome(
        await kc.authenticate(req(token, 'GET'), { scope: 'tickets:write', resource: { path: { company: 'c1' } } }),
      ),
    ).toBe('ok');
    expect(await check({ path: { company: 'c1' }, access: 'read' })).toBe('ok');
    expect(await check({ path: { company: 'c1' }, access: 'write' })).toEqual([
      403,
      'forbidden_resource',
      'Token not allowed for company c1',
    ]);
    expect(await check({ path: { company: 'c1', project: 'p1' }, access: 'write' })).toBe('ok');
    await kc.close();
  });
});

describe('the caller’s forbid', () => {
  it('refuses with the resource it names, and runs only after the scope check', async () => {
    const kc = keycard();
    const { token } = await kc.issue({ ownerId: 'u1', label: 'r', scopes: ['read'] });
    const seen: string[] = [];
    const forbid: AuthRequirement['forbid'] = (identity) => {
      seen.push(identity.ownerId);
      return { type: 'session', id: 's1' };
    };
    expect(outcome(await kc.authenticate(req(token), { scope: 'read', forbid }))).toEqual([
      403,
      'forbidden_resource',
      'Token not allowed for session s1',
    ]);
    expect(seen).toEqual(['u1']);
    expect(outcome(await kc.authenticate(req(token), { scope: 'tickets:write', forbid }))).toEqual([
      403,
      'insufficient_scope',
      'Token missing scope: tickets:write',
    ]);
    expect(seen).toEqual(['u1']);
    expect(outcome(await kc.authenticate(req(token), { scope: 'read', forbid: () => null }))).toBe('ok');
    await kc.close();
  });
});
