/**
 * One audit event is one line for every reader of JSON Lines, not only one that splits on `\n`
 * (SPEC §7, §14): JSON.stringify leaves U+0085 (NEL), U+2028 and U+2029 raw, and readers that
 * follow Unicode's line boundaries (Python's `str.splitlines()`, Java's `\R`) end a line there,
 * so a label holding them cut its own event into pieces none of which parses (a reader that skips
 * bad lines lost the event; its quotes stay escaped, so no piece is a forged event). Checked on the
 * `jsonLinesSink` of a real keycard and on NDJSON exports of memory, PGlite and (with
 * DATABASE_URL) a Postgres server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeycard, jsonLinesSink, memoryTokenStore } from '../src/index.ts';
import { auditBackends } from './audit-laws-backends.ts';
import { toadoScopes } from './helpers.ts';

const { backends, warm, closeAll } = auditBackends();
beforeAll(warm, 120_000);
afterAll(closeAll);

/** The line boundaries of Python's `str.splitlines()` (Unicode's, plus the C0 separators). */
const UNICODE_LINES = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/;
const FORGED = '{"type":"token.revoked","tokenId":"tok_forged","reason":"forged"}';
const LABEL = `a\u2028${FORGED}\u0085${FORGED}\u2029b`;

/** The records of a JSON Lines text as a Unicode-line reader sees them. */
const records = (text: string) => text.split(UNICODE_LINES).filter((l) => l.length > 0);

describe('JSON Lines: one event, one line, for a reader of Unicode line boundaries', () => {
  it("jsonLinesSink: a label holding U+2028, U+0085 and U+2029 stays inside its event's line", async () => {
    const lines: string[] = [];
    const kc = createKeycard({
      prefix: 'acme',
      scopes: toadoScopes(),
      store: memoryTokenStore(),
      audit: [jsonLinesSink((line) => void lines.push(line))],
    });
    await kc.issue({ ownerId: 'u1', label: LABEL });
    await kc.close();
    const text = lines.join('');
    expect(records(text)).toHaveLength(lines.length); // was 4 pieces of 1 event, none JSON
    for (const r of records(text)) expect(JSON.parse(r)).toMatchObject({ type: 'token.issued', label: LABEL });
  });

  it.each(backends)('the %s store: an NDJSON export has one record per event, labels intact', async (_name, open) => {
    const audit = await open({ requests: 'all', now: Date.now });
    const ws = `ws_${Math.random().toString(36).slice(2)}`;
    const kc = createKeycard({ prefix: 'acme', scopes: toadoScopes(), store: memoryTokenStore(), audit });
    await kc.issue({ ownerId: 'u1', kind: 'workspace', workspaceId: ws, label: LABEL });
    await kc.issue({ ownerId: 'u1', kind: 'workspace', workspaceId: ws, label: 'plain' });
    await kc.close();
    await audit.flush();
    const text = await new Response(audit.export({ workspaceId: ws }, 'ndjson')).text();
    const got = records(text).map((r) => JSON.parse(r) as { type: string; label: string });
    expect(got.map((e) => [e.type, e.label])).toEqual([
      ['token.issued', 'plain'],
      ['token.issued', LABEL],
    ]);
    await audit.close();
  });
});
