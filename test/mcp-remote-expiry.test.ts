/**
 * An MCP session whose token's expiry another process moves (docs/mcp.md#sessions): two keycard
 * instances share one real store; A serves MCP, B rotates the session's token (grace period) or
 * shortens its expiry with update(). A's session timer never heard of it (`token.rotated` and
 * `token.updated` fire only in B), so the session's next request through A's gate must re-arm it,
 * and the idle SSE stream must then end at the new expiry instead of staying open until the idle
 * timeout (30 min). A fake clock that stands still keeps the token valid; the timer waits the
 * grace in real time (≤ 300 ms); a failure is a 20 s wait for the stream's end. A revoke or revokeAll
 * in B ends the stream on A with no request at all (the store's notification).
 */
import express from 'express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createKeycard, memoryLimiter, type Keycard } from '../src/index.ts';
import { mcpGate } from '../src/adapters/mcp/index.ts';
import { fakeClock } from '../src/testing/clock.ts';
import { toadoScopes } from './helpers.ts';
import { mcpHeaders, openStream, rawSession, until, within } from './mcp-helpers.ts';
import { listen, mountMcp } from './seeds-fixture.ts';
import { SHARED } from './shared-backends.ts';

/**
 * How long A may take to hear B's change (it takes well under a second). Stop 48's clean-clone CI
 * (new Postgres-heavy files running beside this one) twice saw A's Postgres feed miss a change, and
 * session 53's once more (a revokeAll): another file's store, in another schema on the same channel,
 * NOTIFYed a change numbered like B's, and A's feed took it for B's and skipped B's own. A NOTIFY
 * now only wakes the poll (test/postgres-foreign-notify.test.ts); a change that never arrives
 * still fails, after 20 s.
 */
const WAIT_MS = 20_000;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

for (const backend of SHARED) {
  describe(`an MCP session's expiry moved in another process (${backend.name})`, () => {
    async function setup() {
      const { a: storeA, b: storeB, close } = await backend.open();
      cleanups.push(close);
      const clock = fakeClock();
      const make = (store: typeof storeA): Keycard =>
        createKeycard({ prefix: 'acme', scopes: toadoScopes(), store, clock, limiter: memoryLimiter({ clock }) });
      const [a, b] = [make(storeA), make(storeB)];
      cleanups.push(
        () => a.close(),
        () => b.close(),
      );
      const gate = mcpGate(a, { onWarning: () => {} });
      const app = express();
      mountMcp(app, '/mcp', gate, async (t, req) =>
        gate.connect(new McpServer({ name: 't', version: '1' }), t, req.keycard),
      );
      const served = await listen(app);
      cleanups.push(
        () => served.close(),
        () => gate.close(),
      );
      const { token, record } = await a.issue({ ownerId: 'u1', label: 'agent', scopes: ['read'] });
      const sid = await rawSession(served.base, token);
      const stream = await openStream(served.base, token, sid);
      cleanups.push(() => stream.cancel());
      /** One request of the session through A's gate, once A reads the new expiry. */
      const ping = async (expiresAt: number) => {
        await until(
          async () => {
            const r = await a.verify(token);
            return r.ok && r.identity.expiresAt === expiresAt;
          },
          'A to read the new expiry',
          WAIT_MS,
        );
        const res = await fetch(`${served.base}/mcp`, {
          method: 'POST',
          headers: mcpHeaders(token, sid),
          body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'ping' }),
        });
        await res.text();
        expect(res.status).toBe(200);
      };
      return { b, clock, record, stream, ping };
    }

    it('a rotation in B: the old token’s stream ends with the grace, after one request', async () => {
      const { b, clock, record, stream, ping } = await setup();
      await b.rotate(record.id, { graceMs: 300 });
      await ping(clock.now() + 300);
      await within(stream.ended, 'the stream to end with the grace', WAIT_MS);
      expect(stream.isOpen()).toBe(false);
    });

    // Ends without any request: the store's notification reaches A, which fires the event itself.
    it('a revoke() in B: the stream on A ends, with no request', async () => {
      const { b, record, stream } = await setup();
      await b.revoke(record.id);
      await within(stream.ended, 'the stream to end with the revocation', WAIT_MS);
      expect(stream.isOpen()).toBe(false);
    });

    it('a revokeAll({ ownerId }) in B: the stream on A ends, with no request', async () => {
      const { b, stream } = await setup();
      await b.revokeAll({ ownerId: 'u1' });
      await within(stream.ended, 'the stream to end with the revokeAll', WAIT_MS);
      expect(stream.isOpen()).toBe(false);
    });

    it('an update() in B shortening the expiry: the stream ends then, after one request', async () => {
      const { b, clock, record, stream, ping } = await setup();
      await b.update(record.id, { expiresAt: clock.now() + 300 });
      await ping(clock.now() + 300);
      await within(stream.ended, 'the stream to end at the new expiry', WAIT_MS);
      expect(stream.isOpen()).toBe(false);
    });
  });
}
