/**
 * Claims of docs/cli.md held to the code: how long a flood of pending grants keeps new logins out of
 * the memory store, and how long an expired device code answers `expired_token`. Grants are swept
 * by `POST /device/code` (at most once a minute) once they have been expired for 5 minutes, so a
 * full store frees itself then, not at the grants' expiry. And the credentials file: one owned by
 * another user is refused on read (`insecure_file`), its token never used.
 */
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createKeycard, defineScopes, isKeycardError } from '../src/index.ts';
import { readCredentials, resolveToken, writeCredentials } from '../src/cli/index.ts';
import { createDeviceRoutes, memoryPendingGrantStore } from '../src/device/index.ts';
import { fakeClock } from '../src/testing/clock.ts';

const doc = readFileSync(new URL('../docs/cli.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');
const ORIGIN = 'https://app.example';
const MIN = 60_000;

function setup(maxGrants: number) {
  const clock = fakeClock();
  const keycard = createKeycard({ prefix: 'toado', clock, scopes: defineScopes({ read: {} }, { defaults: ['read'] }) });
  const routes = createDeviceRoutes(keycard, {
    basePath: '/api/tokens',
    authorize: () => null,
    onError: () => {},
    store: memoryPendingGrantStore({ maxGrants }),
  });
  const post = async (path: string, body: string) =>
    (await routes(
      new Request(`${ORIGIN}/api/tokens/device${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      }),
    ))!;
  const start = () => post('/code', 'client_id=toado-cli&host=laptop');
  const poll = async (deviceCode: string) =>
    (await (
      await post(
        '/token',
        `grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code=${deviceCode}&client_id=toado-cli`,
      )
    ).json()) as { error?: string };
  return { clock, keycard, start, poll };
}

describe('docs/cli.md: a flood of pending grants (memory store)', () => {
  it('keeps new logins at 503 until the old grants have been expired 5 minutes, then the next login sweeps them', async () => {
    const { clock, keycard, start } = setup(2);
    expect((await start()).status).toBe(200);
    expect((await start()).status).toBe(200);
    expect((await start()).status).toBe(503); // full
    clock.advance(10 * MIN + 1_000); // both grants expired
    const afterExpiry = await start();
    expect(afterExpiry.status).toBe(503);
    expect(await afterExpiry.json()).toMatchObject({ error: 'temporarily_unavailable' });
    clock.advance(5 * MIN); // expired for 5 minutes: swept by this login
    expect((await start()).status).toBe(200);
    await keycard.close();
  });

  it('docs/cli.md says so, and no longer promises logins back as soon as the old grants expire', () => {
    expect(doc.includes('until old ones expire')).toBe(false);
    expect(doc.includes('until the old grants have been expired for 5 minutes')).toBe(true);
  });
});

describe('docs/cli.md: an expired device code', () => {
  it('answers expired_token until a login started 5 minutes after its expiry sweeps it, then invalid_grant', async () => {
    const { clock, keycard, start, poll } = setup(100);
    const { device_code } = (await (await start()).json()) as { device_code: string };
    clock.advance(10 * MIN + 1_000);
    expect(await poll(device_code)).toMatchObject({ error: 'expired_token' });
    clock.advance(60 * MIN); // no login started meanwhile: nothing swept it
    expect(await poll(device_code)).toMatchObject({ error: 'expired_token' });
    expect((await start()).status).toBe(200); // the sweep
    expect(await poll(device_code)).toMatchObject({ error: 'invalid_grant' });
    await keycard.close();
  });

  it('docs/cli.md names what sweeps it rather than a fixed delay', () => {
    expect(doc.includes('until it is pruned (about 5 minutes later)')).toBe(false);
    expect(doc.includes('the first `POST /device/code` at least 5 minutes after its expiry')).toBe(true);
  });
});

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

describe('docs/cli.md: reading the credentials file', () => {
  it.runIf(isRoot)('refuses a 0600 file owned by another user (insecure_file), never using its token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keycard-docs-cli-'));
    try {
      const env = { TOADO_CONFIG_DIR: join(dir, 'cfg') };
      const file = await writeCredentials('toado', { token: 'toado_sk_1planted' }, { env });
      chownSync(file, 4242, 4242);
      const reads: (() => Promise<unknown>)[] = [
        () => readCredentials('toado', { env }),
        () => resolveToken('toado', { env }),
      ];
      for (const read of reads) {
        const error = await Promise.resolve()
          .then(read)
          .then(
            () => null,
            (e: unknown) => e,
          );
        expect(isKeycardError(error) && error.code).toBe('insecure_file');
        expect((error as Error).message).toContain('owned by another user (uid 4242)');
        expect((error as Error).message).not.toContain('planted');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
