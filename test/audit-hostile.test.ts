/**
 * Hostile input to the audit stores (SPEC §7, §14), the same on memory, PGlite and (with
 * DATABASE_URL) a Postgres server: strings Postgres cannot hold must not wedge the writer, filter
 * times outside what every store holds are refused like any bad argument, every bad field is named,
 * and a time string means the same instant whatever the server's time zone.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../src/core/audit.ts';
import type { AuditStore } from '../src/core/audit-store.ts';
import { isKeycardError } from '../src/core/errors.ts';
import { auditBackends } from './audit-laws-backends.ts';

/** Every backend (memory, PGlite, a Postgres server with DATABASE_URL), one database each; tests keep apart by owner. */
const shared = auditBackends();
afterAll(shared.closeAll);
let owner = '';
let runs = 0;
beforeEach(() => {
  owner = `usr_h${runs++}`;
});

type Open = (onError: (e: Error) => void, now?: number) => Promise<AuditStore>;
const backends: [string, Open][] = shared.backends.map(([name, open]) => [
  name,
  (onError, now) => open({ requests: 'all', now: now === undefined ? Date.now : () => now, onError }),
]);

const event = (i: number, extra: Record<string, unknown> = {}): AuditEvent =>
  ({
    type: 'request.denied',
    time: new Date(Date.UTC(2030, 0, 1) + i).toISOString(),
    tokenId: 'tok_h',
    label: 'agent',
    ownerId: owner,
    workspaceId: null,
    surface: 'mcp',
    method: 'POST',
    path: '/mcp',
    requestId: `r-${i}`,
    reason: 'insufficient_scope',
    ...extra,
  }) as AuditEvent;

/** What a rejected promise held, for asserting on a KeycardError. */
const refusal = async (p: Promise<unknown>): Promise<{ code: string; message: string; fields: string[] }> => {
  try {
    await p;
  } catch (e) {
    if (!isKeycardError(e)) throw e;
    return { code: e.code, message: e.message, fields: [...(e.fields ?? [])] };
  }
  throw new Error('expected a refusal');
};

describe.each(backends)('audit store on %s, hostile input', (_name, open) => {
  it('an event with a NUL or a lone surrogate is kept (made well-formed) and wedges nothing behind it', async () => {
    const errors: Error[] = [];
    const s = await open((e) => errors.push(e));
    // A tool name and an RPC method come from the MCP caller's JSON body: any string at all.
    s.write(event(0, { tool: 'a\u0000b', rpcMethod: 'x\uD800y', label: 'l\uDC00' }));
    for (let i = 1; i <= 20; i++) s.write(event(i));
    await s.close();
    expect(errors.map((e) => `${e.name}: ${e.message}`)).toEqual([]);
    const { events } = await s.query({ ownerId: owner, order: 'asc', limit: 500 });
    expect(events.map((e) => (e as { requestId: string }).requestId)).toEqual(
      Array.from({ length: 21 }, (_, i) => `r-${i}`),
    );
    expect(events[0]).toMatchObject({ tool: 'a\uFFFDb', rpcMethod: 'x\uFFFDy', label: 'l\uFFFD' });
  });

  it('an event that is not one (no type, no surface) is refused by append and never wedges write', async () => {
    const errors: Error[] = [];
    const s = await open((e) => errors.push(e));
    const r = await refusal(s.append([{ ...event(0), type: 'request.nope' } as never]));
    expect(r.code).toBe('invalid_argument');
    expect(r.message).toMatch(/type/);
    s.write({ ...event(1), surface: undefined } as never);
    s.write(event(2));
    await s.close();
    expect(errors.filter((e) => e.name === 'AuditLossError')).toEqual([]);
    const { events } = await s.query({ ownerId: owner, limit: 500 });
    expect(events.map((e) => (e as { requestId: string }).requestId)).toEqual(['r-2']);
  });

  it('filter times beyond what every store holds are invalid_argument naming the field, not a driver error', async () => {
    const s = await open(() => {});
    await s.append([event(0)]);
    for (const [field, value] of [
      ['since', 1e20],
      ['since', '+200000-01-01T00:00:00Z'],
      ['until', -1e15],
      ['until', '-005000-01-01T00:00:00Z'],
    ] as const) {
      const r = await refusal(s.query({ [field]: value }));
      expect(r, `${field}=${value}`).toMatchObject({ code: 'invalid_argument', fields: [field] });
    }
    const far = Buffer.from(JSON.stringify([9e15, 'ev_x'])).toString('base64url');
    expect(await refusal(s.query({ cursor: far }))).toMatchObject({ code: 'invalid_argument', fields: ['cursor'] });
    const r = await refusal(s.prune(1e20));
    expect(r.code).toBe('invalid_argument');
    await s.close();
  });

  it('a filter string with a NUL or a lone surrogate matches what the store keeps for it, never a driver error', async () => {
    const s = await open(() => {});
    await s.append([event(0, { tokenId: 't\u0000k' }), event(1, { tokenId: 't\uD800k' }), event(2)]);
    const ids = async (tokenId: string) =>
      (await s.query({ ownerId: owner, tokenId, order: 'asc' })).events.map(
        (e) => (e as { requestId: string }).requestId,
      );
    expect(await ids('t\u0000k')).toEqual(['r-0', 'r-1']);
    expect(await ids('t\uD800k')).toEqual(['r-0', 'r-1']);
    expect(await ids("'; DROP TABLE keycard_audit_events; --")).toEqual([]);
    expect(await ids('tok_h')).toEqual(['r-2']);
    await s.close();
  });

  it('names every bad field of a query at once', async () => {
    const s = await open(() => {});
    const r = await refusal(s.query({ since: 'soon', until: 'later', limit: 0, order: 'up' } as never));
    expect(r.code).toBe('invalid_argument');
    expect(r.fields.sort()).toEqual(['limit', 'order', 'since', 'until']);
    await s.close();
  });

  it('a time string must say its zone: local date-times and free text are refused (the answer would hang on TZ)', async () => {
    const s = await open(() => {});
    for (const since of ['2030-01-01T00:00:00', '2030-01-01 00:00', 'January 1, 2030', '1/1/2030'])
      expect(await refusal(s.query({ since })), since).toMatchObject({ code: 'invalid_argument', fields: ['since'] });
    await s.append([event(0), event(86_400_000)]);
    // Zoned forms and a bare date (UTC by ISO 8601 as JavaScript reads it) mean one instant.
    for (const since of [
      '2030-01-02',
      '2030-01-02T00:00:00Z',
      '2030-01-02T01:00:00+01:00',
      '2030-01-01T19:00:00-05:00',
    ])
      expect((await s.query({ ownerId: owner, since })).events.length, since).toBe(1);
    await s.close();
  });

  // Last: its prune clears every earlier event of the shared PGlite.
  it('usage splits at UTC midnight (an offset time counts on its UTC day) and prune keeps the day it starts', async () => {
    const s = await open(() => {}, Date.parse('2030-01-02T12:00:00Z'));
    const tokenId = `tok_${owner}`;
    const at = (time: string, type: 'request.allowed' | 'request.denied' = 'request.allowed') =>
      ({
        ...event(0, { tokenId, type, time }),
        ...(type === 'request.allowed' && { reason: undefined }),
      }) as AuditEvent;
    await s.append([
      at('2030-01-01T23:59:59.999Z'),
      at('2030-01-02T00:30:00+01:00'), // 2030-01-01T23:30Z
      at('2030-01-02T00:00:00.000Z'),
      at('2030-01-02T00:00:00.000Z', 'request.denied'),
    ]);
    const rows = (await s.usage(tokenId, { days: 2 })).map((r) => [r.day, r.allowed, r.denied, r.lastUsedAt]);
    expect(rows).toEqual([
      ['2030-01-01', 2, 0, '2030-01-01T23:59:59.999Z'],
      ['2030-01-02', 1, 1, '2030-01-02T00:00:00.000Z'],
    ]);
    expect((await s.usage(tokenId, { days: 1 })).map((r) => r.day)).toEqual(['2030-01-02']);
    await s.prune('2030-01-02T00:00:00Z');
    expect((await s.usage(tokenId, { days: 2 })).map((r) => r.day)).toEqual(['2030-01-02']);
    const left = await s.query({ tokenId, order: 'asc' });
    expect(left.events.map((e) => e.time)).toEqual(['2030-01-02T00:00:00.000Z', '2030-01-02T00:00:00.000Z']);
    await s.close();
  });
});
