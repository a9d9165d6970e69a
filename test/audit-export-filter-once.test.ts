/**
 * `export(filter, format)` reads its filter once, when called (SPEC §14): the stream's pages are
 * read later (the first right after the call, the rest as the consumer pulls), and a filter object
 * the caller reuses or changes meanwhile — one filter set to each token in turn, a `since` Date set
 * again, a `types` list pushed to — must not change which events a stream already handed out
 * selects. Before, every page re-read the caller's object: streams opened in a loop over one filter
 * all exported the last token's events (another owner's), and a stream whose filter changed
 * mid-way went on with another token's events after the first page. Memory, PGlite, and the
 * Postgres server when DATABASE_URL is set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../src/core/audit.ts';
import type { AuditFilter, AuditStore } from '../src/core/audit-store.ts';
import { randomHex } from '../src/testing/fixtures.ts';
import { auditBackends } from './audit-laws-backends.ts';

const shared = auditBackends();
beforeAll(() => shared.warm(), 60_000);
afterAll(() => shared.closeAll());

const issued = (run: string, token: string, owner: string, i: number): AuditEvent => ({
  type: 'token.issued',
  time: new Date(Date.UTC(2030, 5, 1) + i).toISOString(),
  tokenId: `${run}-${token}`,
  label: `${token}-${i}`,
  ownerId: `${run}-${owner}`,
  workspaceId: null,
  actor: { kind: 'user', id: `${run}-${owner}` },
});

const lines = async (stream: ReadableStream<Uint8Array>) =>
  (await new Response(stream).text())
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { tokenId: string }).tokenId);

describe.each(shared.backends)('%s: export reads its filter once', (_name, open) => {
  let store: AuditStore;
  let run: string;
  beforeAll(async () => {
    store = await open({ requests: 'all', now: () => Date.UTC(2030, 5, 2) });
    run = `x${randomHex(4)}`;
    // 2,500 events each (more than one internal page of 2,000): alice's token a, bob's token b.
    const events: AuditEvent[] = [];
    for (let i = 0; i < 2_500; i++) events.push(issued(run, 'a', 'alice', i), issued(run, 'b', 'bob', i));
    await store.append(events);
  }, 60_000);
  afterAll(() => store.close());

  it('streams opened in a loop over one reused filter each export their own token', async () => {
    const filter: { tokenId?: string } = {};
    const streams: [string, ReadableStream<Uint8Array>][] = [];
    for (const t of ['a', 'b']) {
      filter.tokenId = `${run}-${t}`;
      streams.push([filter.tokenId, store.export(filter, 'ndjson')]);
    }
    for (const [tokenId, stream] of streams) {
      const ids = await lines(stream);
      expect(ids).toHaveLength(2_500);
      expect(new Set(ids)).toEqual(new Set([tokenId]));
    }
  });

  /** Every tokenId of a stream whose first page is read, then `change` is applied, then the rest. */
  const readAcross = async (filter: AuditFilter, change: () => void) => {
    const reader = store.export(filter, 'ndjson').getReader();
    const decoder = new TextDecoder();
    const first = await reader.read();
    change();
    let text = decoder.decode(first.value);
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += decoder.decode(r.value);
    return text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => (JSON.parse(l) as { tokenId: string }).tokenId);
  };

  it("a filter changed after the first page does not switch the stream to another owner's events", async () => {
    const filter = { tokenId: `${run}-a` };
    const ids = await readAcross(filter, () => (filter.tokenId = `${run}-b`));
    expect(ids).toHaveLength(2_500);
    expect(new Set(ids)).toEqual(new Set([`${run}-a`]));
  });

  it('a since Date set again, or a types list changed, after the first page does not cut the stream', async () => {
    const since = new Date(Date.UTC(2030, 5, 1));
    const types: AuditFilter['types'] & string[] = ['token.issued'];
    const ids = await readAcross({ tokenId: `${run}-a`, since, types }, () => {
      since.setTime(Date.UTC(2040, 0, 1));
      types[0] = 'token.revoked';
    });
    expect(ids).toHaveLength(2_500);
  });
});
