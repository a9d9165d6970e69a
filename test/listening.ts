/**
 * Real servers on 127.0.0.1 for one test file: `listen` waits for a server (Node's or
 * `@hono/node-server`'s `serve`) and answers its base URL; `closeAll` closes every one of them.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServerType } from '@hono/node-server';

export function listening(): {
  listen(server: Server | ServerType): Promise<string>;
  closeAll(): Promise<void>;
} {
  const servers: (Server | ServerType)[] = [];
  return {
    async listen(server) {
      await new Promise<void>((r) => void server.once('listening', () => r()));
      servers.push(server);
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    async closeAll() {
      for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
    },
  };
}
