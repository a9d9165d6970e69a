/**
 * `issue` asks `resolveOwner` about a new token's owner in the workspace it names only when a person
 * or a token mints it (docs/lifecycle.md): your own code — no `actor`, or `{ kind: 'system' }` — is
 * not asked, and a person is refused where the answer is `gone` (review46: both exemptions were
 * held by no test; dropping either survived every suite).
 */
import { describe, expect, it } from 'vitest';
import { createKeycard, defineScopes, isKeycardError, type Actor } from '../src/index.ts';

const asked: string[] = [];
const keycard = createKeycard({
  prefix: 'toado',
  scopes: defineScopes({ read: {} }),
  resolveOwner: (principal, workspace) => {
    asked.push(`${principal}@${workspace}`);
    return { status: 'gone' };
  },
});
const mint = (actor?: Actor) =>
  keycard.issue({
    ownerId: 'u_lena',
    label: 'ci',
    scopes: ['read'],
    workspaceId: 'c_big',
    ...(actor ? { actor } : {}),
  });

describe('issue: whose mint asks resolveOwner about the named workspace', () => {
  it('no actor (your own code): issued in the named workspace, resolveOwner not asked', async () => {
    asked.length = 0;
    const { record } = await mint();
    expect(record.workspaceId).toBe('c_big');
    expect(asked).toEqual([]);
  });

  it('the system actor: issued in the named workspace, resolveOwner not asked', async () => {
    asked.length = 0;
    const { record } = await mint({ kind: 'system' } as Actor);
    expect(record.workspaceId).toBe('c_big');
    expect(asked).toEqual([]);
  });

  it('a person whose standing there is gone: scope_escalation naming the workspace, nothing issued (control)', async () => {
    const before = (await keycard.list({ ownerId: 'u_lena' })).records.length;
    const error = await mint({ kind: 'user', id: 'u_lena', scopes: ['read'] }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isKeycardError(error) && error.code).toBe('scope_escalation');
    expect((error as Error).message).toBe('The owner in workspace c_big is gone');
    expect((await keycard.list({ ownerId: 'u_lena' })).records.length).toBe(before);
  });
});
