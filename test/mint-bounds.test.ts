/**
 * A token never mints a token wider than itself (SPEC §3, §6): not for another owner, kind or
 * workspace. Checked by the lifecycle, so it holds for direct calls and for a management `can`
 * hook that lets the request through.
 */
import { describe, expect, it } from 'vitest';
import { createKeycard, KeycardError, type Identity } from '../src/index.ts';
import { toadoScopes } from './helpers.ts';

async function actorOf(kc: ReturnType<typeof createKeycard>, token: string): Promise<Identity> {
  const v = await kc.verify(token);
  if (!v.ok) throw new Error(v.code);
  return v.identity as Identity;
}

const codeOf = async (p: Promise<unknown>) =>
  p.then(
    () => 'issued',
    (e: unknown) => (e instanceof KeycardError ? e.code : String(e)),
  );

describe('a token minting a token', () => {
  it('stays in its own workspace, kind and owner', async () => {
    const kc = createKeycard({ prefix: 'acme', scopes: toadoScopes(), onWarning: () => {} });
    const bot = await kc.issue({
      ownerId: 'admin',
      label: 'w1 bot',
      kind: 'workspace',
      workspaceId: 'w1',
      scopes: ['read'],
    });
    const actor = { kind: 'token' as const, identity: await actorOf(kc, bot.token) };
    const child = (over: Record<string, unknown>) =>
      codeOf(
        kc.issue({
          ownerId: 'admin',
          label: 'child',
          kind: 'workspace',
          workspaceId: 'w1',
          scopes: ['read'],
          actor,
          ...over,
        }),
      );
    expect(await child({})).toBe('issued');
    expect(await child({ workspaceId: 'w2' })).toBe('scope_escalation');
    expect(await child({ ownerId: 'someone' })).toBe('scope_escalation');
    expect(await child({ kind: 'personal', workspaceId: null })).toBe('scope_escalation');
    expect((await kc.list({ workspaceId: 'w2', kind: 'workspace' })).records).toEqual([]);

    const mine = await kc.issue({ ownerId: 'u1', label: 'me in w1', workspaceId: 'w1', scopes: ['read'] });
    const me = { kind: 'token' as const, identity: await actorOf(kc, mine.token) };
    const personal = (workspaceId: string | null) =>
      codeOf(kc.issue({ ownerId: 'u1', label: 'child', workspaceId, scopes: ['read'], actor: me }));
    expect(await personal('w1')).toBe('issued');
    expect(await personal('w2')).toBe('scope_escalation');
    expect(await personal(null)).toBe('scope_escalation');
    await kc.close();
  });
});
