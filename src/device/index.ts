/**
 * @module keycard/device
 * The OAuth 2.0 device authorization grant (RFC 8628) behind `keycard/cli`'s login: the routes
 * (mounted by `createManagementHandler`'s `device` option or on their own) and the pending-grant
 * store port with its in-memory store. Redis and Postgres grant stores are in `keycard/redis`
 * and `keycard/postgres`.
 */
export { createDeviceRoutes } from './routes.ts';
export type { DeviceRoutes } from './routes.ts';
export type { DeviceRoutesOptions, DeviceAuthorize } from './options.ts';
export { memoryPendingGrantStore } from './grant-store.ts';
export type {
  MemoryPendingGrantStoreOptions,
  PendingGrantStore,
  PendingGrant,
  PendingGrantPatch,
  PendingGrantStatus,
} from './grant-store.ts';
