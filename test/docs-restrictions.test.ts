/**
 * docs/restrictions.md, claims that no other test held (a docs truth audit): its Reference table
 * names exports a user can import; `parseRestrictions` normalises as the page says; and an
 * unreadable path asserted inside an MCP tool is audited as a denial and reported to `onError`,
 * as over REST (test/handler-denials.test.ts covers Express, Hono and Next). Real Express on
 * 127.0.0.1 and the SDK's own client for the MCP part.
 */
import { readFileSync } from 'node:fs';
import express from 'express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterAll, describe, expect, it } from 'vitest';
import * as root from '../src/index.ts';
import * as storeKit from '../src/store-kit.ts';
import * as adapterKit from '../src/adapter-kit.ts';
import { identityOf, mcpGate } from '../src/adapters/mcp/index.ts';
import { countedKeycard, mcpClient } from './mcp-helpers.ts';
import { listen, mountMcp } from './seeds-fixture.ts';

const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const s of stops.splice(0)) await s();
});

describe('docs/restrictions.md "Reference"', () => {
  it('every function the table names is exported by keycard, keycard/store-kit or keycard/adapter-kit', () => {
    const entries: Record<string, Record<string, unknown>> = { root, storeKit, adapterKit };
    const named = [
      'defineHierarchy',
      'parseRestrictions',
      'checkResource',
      'filterResources',
      'isNarrowerOrEqual',
      'describeDenial',
    ];
    const where = Object.fromEntries(
      named.map((n) => [n, Object.keys(entries).filter((e) => typeof entries[e]![n] === 'function')]),
    );
    expect(where).toEqual({
      defineHierarchy: ['root'],
      parseRestrictions: ['storeKit'],
      checkResource: ['root'],
      filterResources: ['root'],
      isNarrowerOrEqual: ['storeKit'],
      describeDenial: ['adapterKit'],
    });
  });

  it('parseRestrictions: null, undefined and {} are unrestricted; ids sorted and de-duplicated, types in hierarchy order, frozen', () => {
    const { parseRestrictions } = storeKit;
    const h = root.defineHierarchy(['company', 'project']);
    expect([null, undefined, {}].map((x) => parseRestrictions(h, x))).toEqual([null, null, null]);
    const r = parseRestrictions(h, { project: ['p2', 'p1', 'p2'], company: ['c1'] })!;
    expect(Object.keys(r)).toEqual(['company', 'project']);
    expect(r).toEqual({ company: ['c1'], project: ['p1', 'p2'] });
    expect([Object.isFrozen(r), Object.isFrozen(r.project)]).toEqual([true, true]);
    // What it returns is what checks read: the page's own table, one row.
    expect(root.checkResource(h, r, { company: 'c1' }, 'write')).toEqual({ ok: false, type: 'company', id: 'c1' });
    expect(() => parseRestrictions(h, { team: ['t1'] })).toThrow(
      expect.objectContaining({
        code: 'invalid_argument',
        message: expect.stringContaining('unknown resource type "team"'),
      }),
    );
  });
});

describe('docs/restrictions.md "Paths are checked too": an unreadable path inside an MCP tool', () => {
  it('restricted or not: a tool error naming the problem, audited as request.denied forbidden_resource, reported to onError', async () => {
    const errors: unknown[] = [];
    const { keycard, sink } = countedKeycard({
      resources: ['company', 'project'],
      onError: (e) => void errors.push(e),
    });
    const gate = mcpGate(keycard, { onWarning: () => {} });
    const app = express();
    mountMcp(app, '/mcp', gate, (created, req) => {
      const server = new McpServer({ name: 'docs', version: '1.0.0' });
      server.registerTool('open_company', {}, async (extra) => {
        // e.g. `url.searchParams.get('company')` on a request without it
        identityOf(extra)!.assert({ company: null as unknown as string }, 'read');
        return { content: [{ type: 'text', text: 'opened' }] };
      });
      return gate.connect(server, created, req.keycard);
    });
    const { base, close } = await listen(app);
    stops.push(async () => {
      await gate.close();
      await close();
      await keycard.close();
    });
    const open = await keycard.issue({ ownerId: 'u1', label: 'open', scopes: ['read'] });
    const narrow = await keycard.issue({
      ownerId: 'u1',
      label: 'narrow',
      scopes: ['read'],
      restrictions: { company: ['c1'] },
    });
    const answers = [];
    for (const { token } of [open, narrow]) {
      const { client } = await mcpClient(base, token, []);
      answers.push(await client.callTool({ name: 'open_company', arguments: {} }));
      await client.close();
    }
    // The path is read for every token (it was not for an unrestricted one: a typo hid until a restricted token came).
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[1]).toEqual({
      content: [{ type: 'text', text: 'resource path company must be a non-empty string id, got null' }],
      isError: true,
    });
    // …as docs/restrictions.md quotes it (it said the MCP gate answered `Token not allowed for company `).
    const page = readFileSync(new URL('../docs/restrictions.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');
    expect(page).toContain(
      `tool error carrying its message (\`${(answers[1]!.content as { text: string }[])[0]!.text}\`)`,
    );
    expect(JSON.stringify(answers[1])).not.toMatch(/\n\s+at |\.ts:\d/); // no stack trace
    const denials = sink.events.filter((e) => e.type === 'request.denied');
    expect(denials).toMatchObject([
      { tokenId: open.record.id, reason: 'forbidden_resource' },
      {
        tokenId: narrow.record.id,
        surface: 'mcp',
        rpcMethod: 'tools/call',
        tool: 'open_company',
        reason: 'forbidden_resource',
      },
    ]);
    // The second report of the same message within a second is coalesced (docs/management.md onError).
    expect(errors.length === 1 || errors.length === 2).toBe(true);
    expect(errors[0]).toMatchObject({
      code: 'invalid_argument',
      message: expect.stringContaining('resource path company'),
    });
  });
});
