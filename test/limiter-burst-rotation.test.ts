/**
 * SPEC §5 safety under a real concurrent burst: a rotated token and its successor share one
 * budget during the grace period, and two keycard instances (an Express and a Hono server)
 * sharing the stores never admit more than the limit between them. Memory store and limiter in
 * one instance always; two instances on Redis (records and limits) when REDIS_URL is set.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve, type ServerType } from '@hono/node-server';
import express from 'express';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { expressGuard } from '../src/adapters/express.ts';
import { honoGuard, type KeycardEnv } from '../src/adapters/hono.ts';
import { createKeycard, memoryLimiter, memoryTokenStore, type Keycard } from '../src/index.ts';
import type { LimiterStore } from '../src/core/limiter.ts';
import type { TokenStore } from '../src/core/store.ts';
import { redisLimiter } from '../src/stores/redis-limiter.ts';
import { redisTokenStore } from '../src/stores/redis-token-store.ts';
import { toadoScopes } from './helpers.ts';
import { rawRequest } from './raw-http.ts';
import { connectPort, REDIS_URL, runPrefix } from './redis-helpers.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

const make = (store: TokenStore, limiter: LimiterStore): Keycard => {
  const k = createKeycard({ prefix: 'acme', scopes: toadoScopes(), store, limiter, onWarning: () => {} });
  cleanups.push(() => k.close());
  return k;
};

/** Two servers, an Express one on `a` and a Hono one on `b`; the ports of both. */
async function servers(a: Keycard, b: Keycard): Promise<number[]> {
  const ex = express();
  ex.get('/t', expressGuard(a)({ scope: 'read' }), (_req, res) => void res.json({}));
  const hono = new Hono<KeycardEnv>();
  hono.get('/t', honoGuard(b, { scope: 'read' }), (c) => c.json({}));
  const list: (Server | ServerType)[] = [
    ex.listen(0, '127.0.0.1'),
    serve({ fetch: hono.fetch, port: 0, hostname: '127.0.0.1' }),
  ];
  await Promise.all(list.map((s) => new Promise((r) => s.once('listening', r))));
  for (const s of list) cleanups.push(() => new Promise((r) => s.close(r)));
  return list.map((s) => (s.address() as AddressInfo).port);
}

/** Instances sharing one token store and one limiter, as processes would. */
interface Setup {
  readonly name: string;
  open(): Promise<[Keycard, Keycard]>;
}

const SETUPS: readonly Setup[] = [
  {
    name: 'memory (one instance behind both servers)',
    async open() {
      const k = make(memoryTokenStore(), memoryLimiter());
      return [k, k];
    },
  },
  ...(REDIS_URL
    ? [
        {
          name: 'Redis (two instances)',
          async open(): Promise<[Keycard, Keycard]> {
            const prefix = runPrefix('burst');
            const one = async () => {
              const { port, close } = await connectPort('ioredis');
              const store = redisTokenStore(port, { prefix, checkDurability: false });
              cleanups.push(async () => (await store.close(), await close()));
              return make(store, redisLimiter(port, { prefix }));
            };
            return [await one(), await one()];
          },
        },
      ]
    : []),
];

describe('a concurrent burst across a rotation grace period never admits more than the limit', () => {
  for (const setup of SETUPS) {
    it(`${setup.name}: 160 concurrent requests, old and new token, limit 20 ⇒ exactly 20 admitted, the rest 429`, async () => {
      const [a, b] = await setup.open();
      const ports = await servers(a, b);
      const old = await a.issue({
        ownerId: 'u1',
        label: 'agent',
        scopes: ['read'],
        rateLimit: { limit: 20, window: 60 },
      });
      const next = await a.rotate(old.record.id, { graceMs: 3_600_000 });
      const tokens = [old.token, next.token];
      const answers = await Promise.all(
        Array.from({ length: 160 }, (_, i) =>
          rawRequest(ports[i % 2]!, 'GET', '/t', { authorization: `Bearer ${tokens[(i >> 1) % 2]}` }),
        ),
      );
      const count = (s: number) => answers.filter((r) => r.status === s).length;
      expect({ admitted: count(200), refused: count(429) }).toEqual({ admitted: 20, refused: 140 });
    });
  }
});
