/**
 * A reply lost after Redis ran the command: the link drops between the server's answer and the
 * client (test/fixtures/faulty-link.ts). ioredis then re-sends the command on the new connection
 * (`autoResendUnfulfilledCommands`, on by default); node-redis rejects it. Either way `issue`
 * and `revokeAll` must either tell the truth or fail with `unavailable`: never call an issue that
 * was written a `conflict` (leaving a live token nobody holds), never report a count of 0 for
 * tokens it revoked.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createKeycard, memoryAuditSink, memoryLimiter, type Keycard } from '../src/index.ts';
import { CREATE, REVOKE, REVOKE_ALL, UPDATE } from '../src/stores/redis-lua.ts';
import { redisTokenStore } from '../src/stores/redis-token-store.ts';
import { faultyLink } from './fixtures/faulty-link.ts';
import { toadoScopes } from './helpers.ts';
import { announceSkip, connectPort, DRIVERS, REDIS_URL, runPrefix } from './redis-helpers.ts';

announceSkip('redis-lost-reply.test.ts');

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

type Outcome<T> = { ok: true; value: T } | { ok: false; error: { code?: string; message?: string } };
const settle = <T>(p: Promise<T>): Promise<Outcome<T>> =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (error: { code?: string; message?: string }) => ({ ok: false as const, error }),
  );

/** `verify` once the client has reconnected (node-redis answers `unavailable` until then); bounded. */
async function verifyAfterReconnect(keycard: Keycard, token: string) {
  for (let i = 0; ; i++) {
    const r = await keycard.verify(token);
    if (r.ok || r.code !== 'unavailable' || i >= 100) return r;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

for (const driver of DRIVERS) {
  describe.skipIf(!REDIS_URL)(`a reply lost after Redis ran the command (${driver})`, () => {
    async function app(): Promise<{
      keycard: Keycard;
      link: Awaited<ReturnType<typeof faultyLink>>;
      audit: ReturnType<typeof memoryAuditSink>;
    }> {
      const link = await faultyLink(Number(new URL(REDIS_URL!).port));
      cleanups.push(() => link.close());
      const { port, close } = await connectPort(driver, `redis://127.0.0.1:${link.port}`);
      cleanups.push(close);
      const store = redisTokenStore(port, { prefix: runPrefix('lost-reply'), checkDurability: false });
      const audit = memoryAuditSink();
      const keycard = createKeycard({
        audit,
        prefix: 'acme',
        scopes: toadoScopes(),
        store,
        limiter: memoryLimiter(),
        storeTimeoutMs: 3_000,
        onWarning: () => {},
        onError: () => {},
      });
      cleanups.push(async () => {
        await keycard.close();
        await store.close();
      });
      // Load the scripts first: the lost reply must be the one of a command Redis ran, not a NOSCRIPT.
      const warm = await keycard.issue({ ownerId: 'usr_warm', label: 'warm' });
      await keycard.revokeAll({ ownerId: 'usr_warm' });
      await keycard.revoke(warm.record.id);
      expect((await keycard.verify(warm.token)).ok).toBe(false);
      return { keycard, link, audit };
    }

    it('issue: succeeds with a working token, or fails unavailable; never a conflict', async () => {
      const { keycard, link } = await app();
      const dropped = link.dropReplyTo(CREATE.sha);
      const issued = await settle(keycard.issue({ ownerId: 'usr_lost', label: 'lost reply' }));
      await dropped;
      if (issued.ok) expect((await verifyAfterReconnect(keycard, issued.value.token)).ok).toBe(true);
      else expect(issued.error).toMatchObject({ code: 'unavailable' });
    });

    it('revoke: a revocation that succeeds is audited once, even when its run was re-sent', async () => {
      const { keycard, link, audit } = await app();
      const t = await keycard.issue({ ownerId: 'usr_one', label: 'one' });
      const dropped = link.dropReplyTo(REVOKE.sha);
      const done = await settle(keycard.revoke(t.record.id, { reason: 'lost' }));
      await dropped;
      expect(await verifyAfterReconnect(keycard, t.token)).toEqual({ ok: false, code: 'token_revoked' });
      const events = audit.events.filter((e) => e.type === 'token.revoked' && e.tokenId === t.record.id);
      if (done.ok) expect(events).toHaveLength(1);
      else expect(done.error).toMatchObject({ code: 'unavailable' });
    });

    it('rotate: a claim whose reply was lost is not a conflict; a success leaves one working successor', async () => {
      const { keycard, link } = await app();
      const t = await keycard.issue({ ownerId: 'usr_rot', label: 'rot' });
      await keycard.update(t.record.id, { label: 'rot, loaded' }); // the update script, loaded
      const dropped = link.dropReplyTo(UPDATE.sha);
      const done = await settle(keycard.rotate(t.record.id, { graceMs: 0 }));
      await dropped;
      if (done.ok) expect((await verifyAfterReconnect(keycard, done.value.token)).ok).toBe(true);
      else expect(done.error).toMatchObject({ code: 'unavailable' });
      // ioredis re-sends the run: the rotation it made must be reported as made.
      if (driver === 'ioredis') expect(done.ok).toBe(true);
    });

    it('revokeAll: the count it reports is the count it revoked, or it fails unavailable', async () => {
      const { keycard, link } = await app();
      const a = await keycard.issue({ ownerId: 'usr_all', label: 'a' });
      const b = await keycard.issue({ ownerId: 'usr_all', label: 'b' });
      const dropped = link.dropReplyTo(REVOKE_ALL.sha);
      const done = await settle(keycard.revokeAll({ ownerId: 'usr_all' }));
      await dropped;
      expect(await verifyAfterReconnect(keycard, a.token)).toEqual({ ok: false, code: 'token_revoked' });
      expect(await verifyAfterReconnect(keycard, b.token)).toEqual({ ok: false, code: 'token_revoked' });
      if (done.ok) expect(done.value).toEqual({ count: 2 });
      else expect(done.error).toMatchObject({ code: 'unavailable' });
    });
  });
}
