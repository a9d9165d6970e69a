import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceSkip, connectPort, DRIVERS, killSubscribers, REDIS_URL, runPrefix } from '../../test/redis-helpers.ts';
import type { StoreChange } from '../core/store.ts';
import { storedTokenFixture } from '../testing/fixtures.ts';
import { tokenStoreConformance } from '../testing/token-store-suite.ts';
import type { RedisPort } from './redis-port.ts';
import { redisTokenStore } from './redis-token-store.ts';

announceSkip('redis-token-store.test.ts');

/** Polls `find` every 10 ms for at most 5 s: deliveries are asynchronous, never a fixed sleep. */
async function eventually<T>(find: () => T | undefined | false, what: string): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const found = find();
    if (found !== undefined && found !== false) return found;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${what} did not happen within 5 s`);
}

describe('redisTokenStore without a server', () => {
  const never: RedisPort = {
    evalsha: () => new Promise(() => {}),
    scriptLoad: () => new Promise(() => {}),
    subscribe: () => new Promise(() => {}),
  };

  it('validates its options, naming the field', () => {
    expect(() => redisTokenStore(never, { heartbeatMs: 1000 })).toThrow(
      expect.objectContaining({
        code: 'invalid_config',
        message: 'redisTokenStore: heartbeatMs: must be an integer from 10 to 250',
      }),
    );
    expect(() => redisTokenStore(never, { prefix: 3 } as never)).toThrow(
      expect.objectContaining({ code: 'invalid_config', message: expect.stringMatching(/^redisTokenStore: prefix: /) }),
    );
    expect(() => redisTokenStore(never, { ttl: 1 } as never)).toThrow(
      expect.objectContaining({ message: 'redisTokenStore: ttl: unknown option' }),
    );
  });

  it('fails closed: a server that never answers is KeycardError(unavailable) after timeoutMs', async () => {
    const store = redisTokenStore(never, { timeoutMs: 20, checkDurability: false });
    expect(store.shared).toBe(true);
    await expect(store.findByHash('ab')).rejects.toMatchObject({
      code: 'unavailable',
      message: 'Redis token store read timed out after 20 ms',
    });
    await expect(store.revoke('tok_x', 1, null)).rejects.toMatchObject({
      code: 'unavailable',
      message: 'Redis token store revoke timed out after 20 ms',
    });
  });

  it('subscribe while Redis is unreachable: resolves (no heartbeat, so keycard trusts no cache) and keeps trying until it lands', async () => {
    let attempts = 0;
    let deliver: ((channel: string, message: string) => void) | undefined;
    let undone = 0;
    const port: RedisPort = {
      evalsha: async (_sha, keys, args) => {
        if (attempts < 3) return new Promise(() => {}); // still down
        if (keys.length === 1 && args.length === 1) deliver?.(String(args[0]), '7'); // the heartbeat script publishes on its channel
        return '7';
      },
      scriptLoad: async () => 'sha',
      subscribe: async (_channels, onMessage) => {
        if (++attempts < 3) return new Promise(() => {}); // hangs past the deadline
        deliver = onMessage;
        return async () => void undone++;
      },
    };
    const store = redisTokenStore(port, { timeoutMs: 20, checkDurability: false });
    const seen: StoreChange[] = [];
    const unsubscribe = await store.subscribe((c) => seen.push(c));
    expect(seen).toEqual([]);
    const beat = await eventually(
      () => seen.find((c) => c.type === 'heartbeat'),
      'a heartbeat once the third attempt landed',
    );
    expect(beat).toEqual({ type: 'heartbeat', seq: 7 });
    expect(attempts).toBe(3);
    await unsubscribe();
    expect(undone).toBe(1);
  });

  it('warns at start when appendonly is off, and when CONFIG is disabled; stays quiet with appendonly yes', async () => {
    const warnings: string[] = [];
    const onWarning = (m: string) => warnings.push(m);
    const answering = (reply: unknown): RedisPort => ({ ...never, command: async () => reply });
    redisTokenStore(answering(['appendonly', 'no']), { onWarning });
    redisTokenStore(answering(new Map([['appendonly', 'yes']])), { onWarning });
    redisTokenStore(answering({ appendonly: 'yes' }), { onWarning });
    redisTokenStore(
      { ...never, command: () => Promise.reject(new Error("ERR unknown command 'CONFIG'")) },
      { onWarning },
    );
    redisTokenStore(answering(['appendonly', 'no']), { onWarning, checkDurability: false });
    await eventually(() => warnings.length >= 2, 'two warnings');
    expect(warnings).toEqual([
      expect.stringMatching(/appendonly no: a restart loses every token issued and every revocation.*Postgres/),
      expect.stringMatching(/could not read the Redis server's appendonly setting.*Postgres/),
    ]);
  });
});

for (const driver of DRIVERS) {
  describe.skipIf(!REDIS_URL)(`redisTokenStore over ${driver}`, () => {
    let port: RedisPort;
    let raw: (args: string[]) => Promise<unknown>;
    let close: () => Promise<void>;
    let name: string;
    beforeAll(async () => {
      ({ port, raw, close, name } = await connectPort(driver));
    });
    afterAll(async () => close());

    // ioredis runs the race cases under fc.scheduler(), node-redis under the seeded PRNG: both paths.
    tokenStoreConformance(
      `redis (${driver})`,
      { describe, it, expect },
      () => redisTokenStore(port, { prefix: runPrefix('store'), checkDurability: false }),
      driver === 'ioredis' ? { fc, runs: 25 } : { runs: 25 },
    );

    it('implements revokeAllIfCount, so "Revoke all" with a confirmed count is exact', () => {
      expect(typeof redisTokenStore(port, { prefix: runPrefix('has'), checkDurability: false }).revokeAllIfCount).toBe(
        'function',
      );
    });

    it('warns against appendonly no on a real server', async () => {
      const before = String(((await raw(['CONFIG', 'GET', 'appendonly'])) as string[])[1]);
      const warnings: string[] = [];
      redisTokenStore(port, { prefix: runPrefix('durable'), onWarning: (m) => warnings.push(m) });
      await eventually(() => warnings.length > 0 || before === 'yes', 'the durability check');
      if (before === 'no') expect(warnings).toEqual([expect.stringContaining('appendonly no')]);
    });

    it('heartbeats carry the latest seq, and the server subscription ends with the last listener', async () => {
      const prefix = runPrefix('hb');
      const store = redisTokenStore(port, { prefix, checkDurability: false });
      const witness = redisTokenStore(port, { prefix, checkDurability: false });
      const seen: StoreChange[] = [];
      const witnessed: StoreChange[] = [];
      const unsubscribe = await store.subscribe((c) => seen.push(c));
      const unsubscribeWitness = await witness.subscribe((c) => witnessed.push(c));
      await eventually(() => seen.filter((c) => c.type === 'heartbeat').length >= 3, 'three heartbeats');
      await store.announceOwner('usr_1');
      const owner = await eventually(() => seen.find((c) => c.type === 'owner'), 'the announcement');
      const after = await eventually(
        () => seen.find((c) => c.type === 'heartbeat' && seen.indexOf(c) > seen.indexOf(owner)),
        'a heartbeat after it',
      );
      expect(after.seq).toBe(owner.seq);
      const channels = async () => ((await raw(['PUBSUB', 'CHANNELS', `${prefix}*`])) as string[]).length;
      expect(await channels()).toBe(3); // the shared changes channel and one heartbeat channel per store
      await unsubscribe();
      expect(await channels()).toBe(2);
      await store.announceOwner('usr_2');
      await eventually(
        () => witnessed.find((c) => c.type === 'owner' && c.principalId === 'usr_2'),
        'the witness hearing the next change',
      );
      expect(seen.filter((c) => c.type === 'owner' && c.principalId === 'usr_2')).toEqual([]);
      await unsubscribeWitness();
      expect(await channels()).toBe(0);
    });

    it('a counter that goes back (restart without persistence) shows as a gap, never as a repeated seq', async () => {
      const prefix = runPrefix('reset');
      const store = redisTokenStore(port, { prefix, checkDurability: false });
      const seen: StoreChange[] = [];
      const unsubscribe = await store.subscribe((c) => seen.push(c));
      try {
        await store.announceOwner('usr_a');
        await store.announceOwner('usr_b');
        const b = await eventually(
          () => seen.find((c) => c.type === 'owner' && c.principalId === 'usr_b'),
          'the second announcement',
        );
        await raw(['DEL', `${prefix}{tokens}:seq`]);
        await store.announceOwner('usr_c');
        const c = await eventually(
          () => seen.find((x) => x.type === 'owner' && x.principalId === 'usr_c'),
          'the announcement after the reset',
        );
        expect(c.seq).toBeGreaterThan(b.seq + 1); // a gap: keycard drops its cache
        let last = -Infinity;
        for (const change of seen) {
          expect(change.type === 'heartbeat' ? change.seq >= last : change.seq > last).toBe(true);
          last = change.seq;
        }
      } finally {
        await unsubscribe();
      }
    });

    it('the subscription survives its connection being killed: heartbeats resume by themselves', async () => {
      const store = redisTokenStore(port, { prefix: runPrefix('kill'), checkDurability: false });
      const seen: StoreChange[] = [];
      const unsubscribe = await store.subscribe((c) => seen.push(c));
      try {
        await eventually(() => seen.length > 0, 'a first heartbeat');
        expect(await killSubscribers(raw, name)).toBe(1);
        const mark = seen.length;
        await eventually(() => seen.length > mark + 2, 'heartbeats after the reconnect');
        const token = storedTokenFixture();
        await store.create(token);
        await store.revoke(token.id, 1, null);
        await eventually(
          () => seen.find((c) => c.type === 'token' && c.id === token.id && c.revoked),
          'a change after the reconnect',
        );
      } finally {
        await unsubscribe();
      }
    });

    it('keeps records under one hash tag, findable by hash, with no secret and nothing but JSON text', async () => {
      const prefix = runPrefix('layout');
      const store = redisTokenStore(port, { prefix, checkDurability: false });
      const token = storedTokenFixture({ metadata: { empty: {}, list: [], big: 0.1 + 0.2, n: 2 ** 53 - 1 } });
      await store.create(token);
      expect(await store.findByHash(token.hash)).toEqual(token);
      const keys = ((await raw(['KEYS', `${prefix}*`])) as string[]).sort();
      expect(keys).toEqual(
        [
          `${prefix}{tokens}:all`,
          `${prefix}{tokens}:h`,
          `${prefix}{tokens}:o:${token.ownerId}`,
          `${prefix}{tokens}:t:${token.id}`,
        ].sort(),
      );
      expect(await raw(['HGET', `${prefix}{tokens}:t:${token.id}`, 'metadata'])).toBe(JSON.stringify(token.metadata));
    });

    it('list with no owner or workspace filter pages every record, and rejects a forged cursor', async () => {
      const store = redisTokenStore(port, { prefix: runPrefix('all'), checkDurability: false });
      const tokens = Array.from({ length: 7 }, (_, i) => storedTokenFixture({ createdAt: 1_000 + i }));
      for (const t of tokens) await store.create(t);
      const first = await store.list({ now: 0, limit: 4 });
      expect(first.tokens.map((t) => t.id)).toEqual(tokens.slice(0, 4).map((t) => t.id));
      const second = await store.list({ now: 0, limit: 4, cursor: first.nextCursor });
      expect([second.tokens.map((t) => t.id), second.nextCursor]).toEqual([tokens.slice(4).map((t) => t.id), null]);
      await expect(store.list({ now: 0, limit: 4, cursor: 'not-a-cursor' })).rejects.toMatchObject({
        code: 'invalid_argument',
      });
    });

    it('a script flushed from the server is reloaded without failing the call', async () => {
      const store = redisTokenStore(port, { prefix: runPrefix('noscript'), checkDurability: false });
      const token = storedTokenFixture();
      await store.create(token);
      await raw(['SCRIPT', 'FLUSH']);
      expect(await store.get(token.id)).toEqual(token);
    });
  });
}
