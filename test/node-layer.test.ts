/**
 * Issue 12: the shared Node request layer. A request that meets `expressGuard` and then
 * `mcpGate` is one request: one token lookup, one rate-limit charge and one audit event (each
 * adapter used to build its own request object, so the second verified, charged and audited
 * again). Real Express on 127.0.0.1, raw JSON-RPC over fetch.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { createKeycard, memoryAuditSink } from '../src/index.ts';
import { expressGuard } from '../src/adapters/express.ts';
import { mcpGate } from '../src/adapters/mcp/index.ts';
import { toadoScopes } from './helpers.ts';
import { countedKeycard, expectedWarning } from './mcp-helpers.ts';

describe('expressGuard then mcpGate on one request', () => {
  it('costs one lookup, one charge and one audit event', async () => {
    const { keycard, sink, counts, charges } = countedKeycard();
    const gate = mcpGate(keycard, {
      tools: { list_tickets: { scope: 'read', class: 'read' } },
      onWarning: expectedWarning,
    });
    const app = express();
    let handled = 0;
    app.use('/mcp', express.json(), expressGuard(keycard)({ scope: 'read' }), gate, (_req, res) => {
      handled++;
      res.json({ jsonrpc: '2.0', id: 1, result: {} });
    });
    const server: Server = app.listen(0, '127.0.0.1');
    await new Promise<void>((r) => void server.once('listening', () => r()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { token } = await keycard.issue({ ownerId: 'u_1', label: 'agent', scopes: ['read'] });
    const lookupsBefore = counts.findByHash ?? 0;

    const res = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'list_tickets', arguments: {} },
      }),
    });
    expect(res.status).toBe(200);
    expect(handled).toBe(1);
    expect((counts.findByHash ?? 0) + (counts.findByAnyHash ?? 0) - lookupsBefore).toBe(1);
    expect(charges()).toBe(1);
    await gate.close();
    await keycard.close();
    expect(sink.events.filter((e) => e.type.startsWith('request.'))).toHaveLength(1);
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
});

describe('the per-request memo belongs to one object', () => {
  it('a spread copy of an authenticated request is a new request: charged and audited again', async () => {
    const sink = memoryAuditSink();
    const keycard = createKeycard({
      prefix: 'acme',
      scopes: toadoScopes(),
      audit: [sink],
      rateLimit: { limit: 2, window: 60 },
    });
    const { token } = await keycard.issue({ ownerId: 'u_1', label: 'agent', scopes: ['read'] });
    const first = { method: 'GET', url: 'http://127.0.0.1/api/tickets', headers: { authorization: `Bearer ${token}` } };
    expect((await keycard.authenticate(first)).ok).toBe(true);
    expect((await keycard.authenticate(first)).ok).toBe(true); // the same object: no second charge
    const copies = await Promise.all([{ ...first }, { ...first }].map((r) => keycard.authenticate(r)));
    expect(copies.map((r) => r.ok)).toEqual([true, false]); // 2 a minute: the copies are charged
    await keycard.close();
    expect(sink.events.filter((e) => e.type.startsWith('request.')).map((e) => e.type)).toEqual([
      'request.allowed',
      'request.allowed',
      'request.denied',
    ]);
  });
});
