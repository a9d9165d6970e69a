/**
 * What the compile-only snippets of docs/*.md (`<!-- snippet-types: name -->`) take from the
 * application around them: your keycard, your framework's `app`, your session helpers. Keycard's
 * own names are never declared here: a snippet imports them, or they come from its page's set-up.
 */
declare const keycard: import('keycard').Keycard<'read' | 'write' | 'tickets:write' | 'comments'>;
declare const scopes: import('keycard').ScopeCatalogue<'read' | 'write'>;
declare const app: any;
declare const server: import('@modelcontextprotocol/sdk/server/mcp.js').McpServer;
declare const manage: import('keycard').ManagementHandler;
declare const sessionUser: (request: Request) => Promise<import('keycard').UserActor | null>;
declare const requireLogin: any;
declare const log: { warn(...args: unknown[]): void };
declare const mailer: { send(to: string | null, text: string): Promise<void> };
declare const producer: { send(message: { topic: string; messages: { value: string }[] }): Promise<unknown> };
declare const pool: import('pg').Pool;
declare const limiter: import('keycard').LimiterStore;
declare const request: Request;
declare const req: { params: { company: string; project: string } }; // Express types a route's named params
declare const identity: import('keycard').Identity;
declare const hierarchy: import('keycard').Hierarchy;
declare const record: import('keycard').TokenRecord;
declare const projects: { id: string; companyId: string }[];
declare const tickets: { companyId: string; projectId: string }[];
declare const me: string;
declare const shown: unknown[];
declare const askAgain: (actual: unknown) => void;
declare const api: import('keycard/client').ManagementClient;
declare const myStore: () => import('keycard').TokenStore;
declare const client: unknown;
declare const myLimiter: (options: { client: unknown; now: () => number }) => import('keycard').LimiterStore;
declare const redis: import('ioredis').Redis;
declare module 'cors' {
  const cors: (options: { origin: string }) => (req: unknown, res: unknown, next: () => void) => void;
  export default cors;
}
declare module 'expect' {
  // jest's standalone `expect` package, as the node:test snippet of docs/stores.md imports it.
  export const expect: (actual: unknown) => {
    toBe(expected: unknown): void;
    toEqual(expected: unknown): void;
    toBeNull(): void;
    toBeGreaterThan(expected: number): void;
  };
}
declare module '@/lib/keycard' {
  export const manage: import('keycard').ManagementHandler;
}
