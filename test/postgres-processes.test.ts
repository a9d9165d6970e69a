/**
 * Two Node processes sharing one Postgres (SPEC §1.2, issue 7): B trusts its cache while the
 * store's heartbeats arrive, and drops a token as soon as A's revocation reaches it — B's
 * `token.revoked` hook fires after A's `revoke()` resolved, and B then refuses the token. Both
 * notification modes (LISTEN/NOTIFY, polling). Every wait is an awaited event, never a sleep.
 * Runs when DATABASE_URL is set.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromPg, migrate, postgresTokenStore } from '../src/stores/postgres.ts';
import { randomHex, storedTokenFixture } from '../src/testing/fixtures.ts';
// @ts-expect-error -- a plain .mjs build helper shared with the delay script (no declarations).
import { buildPgLib } from './fixtures/pg-build.mjs';

const url = process.env['DATABASE_URL'];
if (!url) console.warn('[keycard] DATABASE_URL is not set: skipping the two-process Postgres tests.');

const fixture = fileURLToPath(new URL('./fixtures/pg-process.mjs', import.meta.url));

interface Instance {
  call<T = Record<string, unknown>>(cmd: string, args?: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

/** Forks one keycard process and waits until it is subscribed (its first poll answered or timed out). */
async function spawnInstance(lib: string, mode: 'listen' | 'poll'): Promise<Instance> {
  const child: ChildProcess = fork(fixture, [], {
    env: { ...process.env, KEYCARD_PG_LIB: lib, DATABASE_URL: url, KEYCARD_NOTIFICATIONS: mode },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let next = 0;
  const calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`fixture exited early (${code})`)));
    child.on('message', (m: { ready?: boolean; id?: number; ok?: boolean; value?: unknown; error?: string }) => {
      if (m.ready) return resolve();
      const pending = calls.get(m.id!);
      calls.delete(m.id!);
      if (m.ok) pending?.resolve(m.value);
      else pending?.reject(new Error(m.error));
    });
  });
  return {
    call<T>(cmd: string, args: Record<string, unknown> = {}) {
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        calls.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, cmd, args });
      });
    },
    async close() {
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.send({ id: next++, cmd: 'close' });
      await exited;
      clearTimeout(timer);
    },
  };
}

describe.skipIf(!url)('two processes sharing one Postgres', () => {
  let lib: string;
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  pool.on('error', () => {});

  beforeAll(async () => {
    lib = (await buildPgLib()) as string;
    await migrate(fromPg(pool));
  });
  afterAll(async () => {
    await pool.end();
    if (lib) rmSync(dirname(lib), { recursive: true, force: true });
  });

  for (const mode of ['listen', 'poll'] as const) {
    describe(`notifications: ${mode}`, () => {
      let a: Instance;
      let b: Instance;
      beforeAll(async () => {
        [a, b] = await Promise.all([spawnInstance(lib, mode), spawnInstance(lib, mode)]);
      });
      afterAll(async () => {
        await Promise.all([a, b].filter(Boolean).map((x) => x.close()));
      });

      it('B refuses a token once its token.revoked hook fired after A’s revoke() resolved', async () => {
        const { token, id } = await a.call<{ token: string; id: string }>('issue', { ownerId: `usr_${randomHex(6)}` });
        const first = await b.call<{ ok: boolean; lookups: number }>('verify', { token });
        expect(first.ok).toBe(true);
        // Right after a heartbeat B trusts its cache: the second verification reads no store.
        await b.call('waitHeartbeat');
        const cached = await b.call<{ ok: boolean; lookups: number }>('verify', { token });
        expect(cached).toEqual({ ok: true, code: null, lookups: first.lookups });

        const revoked = await a.call<{ resolvedAt: number }>('revoke', { id });
        const hook = await b.call<{ firedAt: number }>('waitRevoked', { tokenId: id });
        expect(typeof hook.firedAt).toBe('number');
        expect(await b.call('verify', { token })).toMatchObject({ ok: false, code: 'token_revoked' });
        expect(await a.call('verify', { token })).toMatchObject({ ok: false, code: 'token_revoked' });
        expect(revoked.resolvedAt).toBeGreaterThan(0);
      });

      it('revokeAll through A clears B’s cache of that owner’s tokens', async () => {
        const ownerId = `usr_${randomHex(6)}`;
        const t1 = await a.call<{ token: string }>('issue', { ownerId });
        const t2 = await a.call<{ token: string }>('issue', { ownerId });
        const other = await a.call<{ token: string }>('issue', { ownerId: `usr_${randomHex(6)}` });
        for (const t of [t1, t2, other]) expect(await b.call('verify', { token: t.token })).toMatchObject({ ok: true });

        expect(await a.call('revokeAll', { ownerId })).toMatchObject({ count: 2 });
        await b.call('waitRevokedAll', { ownerId });
        for (const t of [t1, t2])
          expect(await b.call('verify', { token: t.token })).toMatchObject({ ok: false, code: 'token_revoked' });
        expect(await b.call('verify', { token: other.token })).toMatchObject({ ok: true });
      });

      it('a revokeAll of 5,000 tokens is announced by one small NOTIFY (the filter, not the ids)', async () => {
        const ownerId = `usr_${randomHex(6)}`;
        const store = postgresTokenStore(fromPg(pool, { listen: false }), { onError: () => {} });
        const tokens = Array.from({ length: 5_000 }, () => storedTokenFixture({ ownerId }));
        for (let i = 0; i < tokens.length; i += 250)
          await Promise.all(tokens.slice(i, i + 250).map((t) => store.create(t)));
        const held = await b.call<{ token: string }>('issue', { ownerId });
        expect(await b.call('verify', { token: held.token })).toMatchObject({ ok: true });

        const listener = new pg.Client({ connectionString: url });
        await listener.connect();
        const payloads: string[] = [];
        let seen: (payload: string) => void = () => {};
        const announced = new Promise<string>((resolve) => (seen = resolve));
        listener.on('notification', (m) => {
          payloads.push(m.payload ?? '');
          if ((m.payload ?? '').includes(ownerId)) seen(m.payload ?? '');
        });
        await listener.query('LISTEN keycard_changes');
        try {
          expect(await a.call('revokeAll', { ownerId })).toMatchObject({ count: 5_001 });
          const payload = await announced;
          const bytes = new TextEncoder().encode(payload).byteLength;
          console.info(`[keycard] NOTIFY payload of a revokeAll of 5,001 tokens: ${bytes} bytes: ${payload}`);
          expect(bytes).toBeLessThan(8_000);
          expect(JSON.parse(payload)).toMatchObject({ type: 'revokeAll', filter: { ownerId } });
          expect(payloads.filter((p) => p.includes(ownerId)).length).toBe(1);
          await b.call('waitRevokedAll', { ownerId });
          expect(await b.call('verify', { token: held.token })).toMatchObject({ ok: false, code: 'token_revoked' });
        } finally {
          await listener.end();
          await store.close();
        }
      });
    });
  }
});
