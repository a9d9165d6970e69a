/**
 * @module keycard/redis
 * keycard/redis: a rate limiter and a token store over Redis, through a small port keycard owns
 * (`RedisPort`: `EVALSHA`, `SCRIPT LOAD`, pub/sub) with ready wrappers for ioredis and node-redis.
 * The drivers are never imported: pass your own clients, created without an offline queue.
 * docs/storage.md says which store to put where.
 */
export { redisLimiter } from './redis-limiter.ts';
export type { RedisLimiter, RedisLimiterOptions } from './redis-limiter.ts';
export { redisTokenStore } from './redis-token-store.ts';
export type { RedisTokenStore, RedisTokenStoreOptions } from './redis-token-store.ts';
export { fromIoredis, fromNodeRedis } from './redis-port.ts';
export type {
  RedisPort,
  RedisArg,
  IoredisClientLike,
  NodeRedisClientLike,
  FromIoredisOptions,
  FromNodeRedisOptions,
} from './redis-port.ts';
export { redisPendingGrantStore } from './redis-grant-store.ts';
export type { RedisPendingGrantStoreOptions } from './redis-grant-store.ts';
