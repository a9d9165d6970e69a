/** Helpers for test/mcp.test.ts: the SDK's own client with a recording fetch, raw sessions, bounded waits. */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { createKeycard, memoryAuditSink, memoryLimiter, type KeycardOptions, type LimiterStore } from '../src/index.ts';
import { expect } from 'vitest';
import { UNDISCOVERABLE } from '../src/adapters/mcp/discovery.ts';
import { countingStore, toadoScopes } from './helpers.ts';
import { writeFileAtomic } from './write-atomic.ts';

/**
 * `onWarning` for a gate a test builds with no settings page and no resource metadata when the
 * test is not about the warning that gives (test/mcp-gate.test.ts is): it keeps that warning out of
 * the test output, and fails on any other.
 */
export const expectedWarning = (message: string): void => void expect(message).toBe(UNDISCOVERABLE);

const root = fileURLToPath(new URL('..', import.meta.url));
const SUBPATHS: Record<string, string> = {
  keycard: 'src/index.ts',
  'keycard/express': 'src/adapters/express.ts',
  'keycard/mcp': 'src/adapters/mcp/index.ts',
};

/**
 * Imports examples/mcp/server.js with its `keycard` imports pointed at the sources (as the doc
 * snippets are run), so the example and the test share one copy of the core whether or not the
 * package has been built, and the example is tested exactly as a user copies it.
 */
export async function loadExample(): Promise<unknown> {
  // examples/mcp and what it shares with the other examples (examples/shared, the workspace
  // package @keycard-examples/shared: its subpaths are its files, `./data` → data.js).
  for (const [dir, out] of [
    ['mcp', 'mcp-example'],
    ['shared', 'shared'],
  ] as const) {
    const from = join(root, 'examples', dir);
    const to = join(root, '.tmp', out);
    mkdirSync(to, { recursive: true });
    for (const file of readdirSync(from).filter((f) => f.endsWith('.js'))) {
      const code = readFileSync(join(from, file), 'utf8')
        .replace(/from '(keycard(?:\/[a-z]+)?)'/g, (whole, spec: string) =>
          SUBPATHS[spec] ? `from '${join(root, SUBPATHS[spec])}'` : whole,
        )
        .replace(
          /from '@keycard-examples\/shared\/([a-z-]+)'/g,
          (_, name: string) => `from '${join(root, '.tmp', 'shared', `${name}.js`)}'`,
        );
      writeFileAtomic(join(to, file), code);
    }
  }
  return import(/* @vite-ignore */ join(root, '.tmp', 'mcp-example', 'server.js'));
}

/** One HTTP exchange the client made, as the server answered it. */
export interface Exchange {
  readonly method: string;
  readonly status: number;
  readonly headers: Headers;
  readonly body: string | null;
}

/** Polls `f` until it returns a truthy value, at most `ms` (no fixed sleeps: passes never depend on timing). */
export async function until<T>(f: () => T | Promise<T>, what: string, ms = 5000): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolves with `p`, or rejects once `ms` have passed (the timer is cleared either way). */
export async function within<T>(p: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)),
  );
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A limiter that counts charges. */
export function countingLimiter(): { limiter: LimiterStore; charges: () => number } {
  const inner = memoryLimiter();
  let n = 0;
  return {
    limiter: {
      consume: (key, limit, window) => {
        n++;
        return inner.consume(key, limit, window);
      },
    },
    charges: () => n,
  };
}

/** A keycard over a counting store and limiter with a memory audit sink; its cache is off, so every request looks up. */
export function countedKeycard(more: Partial<KeycardOptions<string>> = {}) {
  const [counted, limiter, sink] = [countingStore(), countingLimiter(), memoryAuditSink()];
  const keycard = createKeycard({
    ...{ prefix: 'acme', scopes: toadoScopes(), store: counted.store, limiter: limiter.limiter },
    ...{ audit: sink, cacheSize: 0, ...more },
  });
  return { keycard, sink, counts: counted.counts, charges: limiter.charges };
}

/**
 * Connects the SDK's `Client` over `StreamableHTTPClientTransport` with a bearer token. Every
 * response is recorded (status, headers, and the body of non-streams) so tests can read what the
 * server answered, e.g. a 429's `Retry-After`.
 */
export async function mcpClient(base: string, token: string, errors: unknown[]) {
  const exchanges: Exchange[] = [];
  const recording = async (url: string | URL, init?: RequestInit): Promise<Response> => {
    const res = await fetch(url, init);
    const streaming = res.headers.get('content-type')?.startsWith('text/event-stream') ?? false;
    const body = streaming ? null : await res.clone().text();
    exchanges.push({ method: init?.method ?? 'GET', status: res.status, headers: res.headers, body });
    return res;
  };
  const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
    fetch: recording,
    reconnectionOptions: {
      maxRetries: 0,
      initialReconnectionDelay: 10,
      maxReconnectionDelay: 10,
      reconnectionDelayGrowFactor: 1,
    },
  });
  const client = new Client({ name: 'keycard-test', version: '1.0.0' });
  client.onerror = (e) => errors.push(e);
  await client.connect(transport);
  return { client, transport, exchanges };
}

/** The raw HTTP headers of an MCP request. */
export const mcpHeaders = (token: string, sessionId?: string): Record<string, string> => ({
  authorization: `Bearer ${token}`,
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': LATEST_PROTOCOL_VERSION,
  ...(sessionId ? { 'mcp-session-id': sessionId } : {}),
});

/** Opens a session with plain fetch (initialize + initialized) and returns its id. */
export async function rawSession(base: string, token: string): Promise<string> {
  const init = await fetch(`${base}/mcp`, {
    method: 'POST',
    headers: mcpHeaders(token),
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    }),
  });
  await init.text();
  const sid = init.headers.get('mcp-session-id');
  if (init.status !== 200 || !sid) throw new Error(`initialize answered ${init.status}`);
  const done = await fetch(`${base}/mcp`, {
    method: 'POST',
    headers: mcpHeaders(token, sid),
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  await done.text();
  return sid;
}

/** Opens the session's GET SSE stream; `ended` resolves once the server closes it. */
export async function openStream(base: string, token: string, sessionId: string) {
  const res = await fetch(`${base}/mcp`, {
    method: 'GET',
    headers: { ...mcpHeaders(token, sessionId), accept: 'text/event-stream' },
  });
  if (res.status !== 200 || !res.body) throw new Error(`GET stream answered ${res.status}`);
  const reader = res.body.getReader();
  let open = true;
  const ended = (async () => {
    try {
      while (!(await reader.read()).done);
    } catch {
      // a reset connection is an end too
    }
    open = false;
  })();
  return { ended, isOpen: () => open, cancel: () => reader.cancel().catch(() => {}) };
}
