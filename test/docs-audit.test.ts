/**
 * docs/audit.md, claims no other test held (a docs truth audit): every JSON sample the page prints
 * is the line `jsonLinesSink` writes for that event, byte for byte (key order, fields left out, the
 * coalesced count, the redaction sample); a generated request id has the shape the page now gives
 * (one random UUID per process, then a counter) and the samples use it; the defaults the page
 * quotes (a queue of 10,000 and its report, a 1,000 ms write bound, also as `createKeycard`'s
 * `auditQueueSize`/`auditTimeoutMs`), the path cap of 1,024 characters and `…`, and the audit
 * store's page limit (1 to 500, 100 by default) and `maxEvents` (100,000).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createKeycard,
  defineScopes,
  describeActor,
  jsonLinesSink,
  KeycardError,
  memoryAuditStore,
  type AuditEvent,
  type AuditSink,
} from '../src/index.ts';
import { auditPath, requestIdFrom } from '../src/adapter-kit.ts';
import { AuditTrail } from '../src/store-kit.ts';
import { generateToken } from '../src/store-kit.ts';
import { fakeClock } from '../src/testing/index.ts';
import { tscOutput, typeSnippetsOf } from './snippets.ts';

const doc = readFileSync(new URL('../docs/audit.md', import.meta.url), 'utf8');
const prose = doc.replace(/\s+/g, ' ');
const samples = [...doc.matchAll(/```json\n(.*)\n```/g)].map((m) => m[1]!);
const GENERATED_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}-[0-9a-z]+$/;

/** What jsonLinesSink writes for `record`, run through a trail whose clock stands at `time`. */
async function linesOf(time: string, record: (trail: AuditTrail) => Promise<void> | void): Promise<string[]> {
  const lines: string[] = [];
  const clock = fakeClock(Date.parse(time));
  const trail = new AuditTrail({ sinks: [jsonLinesSink((l) => void lines.push(l))], onError: () => {}, clock });
  await record(trail);
  clock.advance(1_000); // a coalesced second is over
  await trail.close();
  return lines;
}

describe('docs/audit.md "Samples": each is the line keycard writes', () => {
  it('the page prints 10 samples, every one a JSON line of a known event type', () => {
    expect(samples).toHaveLength(10);
    for (const s of samples)
      expect(['token.', 'request.'].some((t) => (JSON.parse(s) as AuditEvent).type.startsWith(t))).toBe(true);
  });

  it('management and request samples, byte for byte (the coalesced one from 1,000 forged-token denials)', async () => {
    for (const sample of samples.slice(0, 9)) {
      const { time, ...event } = JSON.parse(sample) as AuditEvent & { count?: number };
      const lines = await linesOf(time, async (trail) => {
        if (event.type.startsWith('token.')) return trail.token(event as never);
        const coalesced = event.type === 'request.denied' && event.tokenId === null && event.count !== undefined;
        if (!coalesced) return trail.request(event as never);
        const { count, ...first } = event;
        trail.request(first as never);
        for (let i = 1; i < count!; i++) trail.request({ ...(first as object), requestId: `r${i}` } as never);
      });
      expect(lines).toEqual([`${sample}\n`]);
    }
  });

  it('the redaction sample: a label typed as `ci acme_sk_1…` and a request for /v1/files/acme_sk_1…?x=1', async () => {
    const sample = samples[9]!;
    const { time, ...event } = JSON.parse(sample) as AuditEvent;
    const token = generateToken({ prefix: 'acme' });
    const lines = await linesOf(time, (trail) =>
      trail.request({ ...(event as object), label: `ci ${token}`, path: `/v1/files/${token}?x=1` } as never),
    );
    expect(lines).toEqual([`${sample}\n`]);
  });
});

describe('docs/audit.md "Request ids"', () => {
  it('keeps an X-Request-Id of the pattern, else generates one: a random UUID drawn once per process, then a counter', () => {
    expect(requestIdFrom('req-42')).toBe('req-42');
    expect(requestIdFrom('a'.repeat(128))).toBe('a'.repeat(128));
    const made = ['req-42\n', 'a'.repeat(129), null, undefined, '', 'a b'].map((h) => requestIdFrom(h));
    for (const id of made) expect(id).toMatch(GENERATED_ID);
    expect(new Set(made).size).toBe(made.length);
    expect(new Set(made.map((id) => id.slice(0, 36))).size).toBe(1);
    expect(prose).toContain('one random UUID drawn once per process, then a counter');
  });

  it('replaces a token-shaped value the pattern admits', () => {
    expect(requestIdFrom(generateToken({ prefix: 'acme' }))).toMatch(GENERATED_ID);
  });

  it('the samples’ generated ids have that shape', () => {
    const ids = samples
      .map((s) => (JSON.parse(s) as { requestId?: string }).requestId)
      .filter((id): id is string => id !== undefined && !id.startsWith('req-'));
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(id).toMatch(GENERATED_ID);
  });
});

describe('docs/audit.md "Delivery guarantees" and "Errors reported through onError": the defaults', () => {
  it('queueSize 10,000: what does not fit is dropped, counted and reported as the table says', async () => {
    const errors: string[] = [];
    const events: AuditEvent[] = [];
    const trail = new AuditTrail({
      sinks: [{ write: (e) => void events.push(e) }],
      onError: (e) => errors.push(e.message),
      clock: fakeClock(),
    });
    const denial = {
      type: 'request.allowed',
      surface: 'http',
      method: 'GET',
      path: '/x',
      label: null,
      ownerId: null,
      workspaceId: null,
    } as const;
    for (let i = 0; i < 10_037; i++) trail.request({ ...denial, tokenId: `tok_${i}`, requestId: `r${i}` });
    await trail.close();
    expect(trail.dropped).toBe(37);
    expect(events).toHaveLength(10_000);
    expect(errors).toContain('Audit queue full (10000 events): 37 request events dropped (37 since start)');
  });

  it('createKeycard: a hung sink holds a management call at most auditTimeoutMs (1,000 ms by default), then is reported', async () => {
    const errors: string[] = [];
    const hung: AuditSink = { write: () => new Promise<void>(() => {}) };
    const keycard = createKeycard({
      prefix: 'acme',
      scopes: defineScopes({ read: {} }),
      audit: hung,
      onError: (e) => errors.push((e as Error).message),
    });
    const started = performance.now();
    await keycard.issue({ ownerId: 'u1', label: 'ci', scopes: ['read'] }); // the call still succeeds
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(950);
    expect(waited).toBeLessThan(1_900);
    expect(errors).toContain(
      'audit sink 1 of 1: write did not finish within 1000 ms; request events skip it until it does',
    );
    await keycard.close();
  });

  it('the createKeycard names are auditQueueSize and auditTimeoutMs (queueSize and timeoutMs are AuditTrail’s)', () => {
    const scopes = defineScopes({ read: {} });
    expect(() => createKeycard({ prefix: 'acme', scopes, auditQueueSize: 5, auditTimeoutMs: 50 })).not.toThrow();
    expect(() => createKeycard({ prefix: 'acme', scopes, queueSize: 5 } as never)).toThrow('queueSize: unknown option');
    expect(prose).toContain('`auditQueueSize` on `createKeycard`');
    expect(prose).toContain('`auditTimeoutMs` on `createKeycard`');
  });
});

describe('docs/audit.md "Redaction": the path', () => {
  it('is cut at ? or #, loses scheme://user:password@host, and is capped at 1,024 characters followed by …', async () => {
    expect(auditPath('https://u:p@api.example.com/v1/x?access_token=abc#y')).toBe('/v1/x');
    const long = `/${'a'.repeat(2_000)}`;
    const [line] = await linesOf('2025-01-01T12:00:00.000Z', (trail) =>
      trail.request({
        type: 'request.allowed',
        surface: 'http',
        method: 'GET',
        path: `${long}?q=1`,
        requestId: 'r',
        tokenId: 't',
        label: null,
        ownerId: null,
        workspaceId: null,
      }),
    );
    expect((JSON.parse(line!) as { path: string }).path).toBe(`${long.slice(0, 1_024)}…`);
  });
});

describe('docs/audit.md "Audit store": memoryAuditStore', () => {
  const event = (i: number) => ({
    type: 'token.issued' as const,
    time: new Date(Date.UTC(2030, 0, 1) + i).toISOString(),
    tokenId: `t${i}`,
    label: null,
    ownerId: null,
    workspaceId: null,
    actor: { kind: 'system' as const, id: null },
  });

  it('query pages hold 100 events by default; limit is 1 to 500, else invalid_argument naming it', async () => {
    const store = memoryAuditStore();
    await store.append(Array.from({ length: 600 }, (_, i) => event(i)));
    expect((await store.query()).events).toHaveLength(100);
    expect((await store.query({ limit: 500 })).events).toHaveLength(500);
    for (const limit of [0, 501]) {
      const error = await store.query({ limit }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(KeycardError);
      expect(error).toMatchObject({ code: 'invalid_argument', fields: ['limit'] });
    }
  });

  it('keeps at most maxEvents, 100,000 by default: when full, the oldest tenth goes at once', async () => {
    const store = memoryAuditStore();
    await store.append(Array.from({ length: 100_000 }, (_, i) => event(i)));
    expect(store.size).toBe(100_000);
    await store.append([event(100_000)]);
    expect(store.size).toBe(90_001);
    const { events } = await store.query({ order: 'asc', limit: 1 });
    expect(events[0]!.tokenId).toBe('t10000');
    expect(prose).toContain('`maxEvents` (100,000; when full, the oldest tenth is dropped at once)');
  });
});

describe('docs/audit.md "The three questions": describeActor of a management event', () => {
  it("answers the user's name, `token tok_…`, or `system` (`system (deploy)` with an id)", () => {
    const base = {
      type: 'token.rotated',
      time: '2025-01-01T00:00:00.000Z',
      tokenId: 'tok_2',
      label: 'ci',
      ownerId: 'u1',
      workspaceId: null,
    } as const;
    const name = (id: string) => ({ u1: 'Jason' })[id];
    expect(describeActor({ ...base, actor: { kind: 'user', id: 'u1' } }, { name })).toBe('Jason');
    expect(describeActor({ ...base, actor: { kind: 'token', id: 'tok_admin1' } }, { name })).toBe('token tok_admin1');
    expect(describeActor({ ...base, actor: { kind: 'system', id: null } }, { name })).toBe('system');
    expect(describeActor({ ...base, actor: { kind: 'system', id: 'deploy' } }, { name })).toBe('system (deploy)');
    expect(prose).toContain(
      "the user's name, `token tok_…`, or `system` (`system (deploy)` when the system actor has an id)",
    );
  });
});

describe('docs/audit.md "Events" and "Sinks": the types the page prints are keycard\'s', () => {
  it('each event and the sink port: the same fields, each of the same type (compiled with tsc)', () => {
    const root = join(import.meta.dirname, '..');
    const dir = join(root, '.tmp', 'audit-events');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const code = (name: string) => typeSnippetsOf('docs/audit.md').find((s) => s.name === name)!.code;
    const same = [
      'type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;',
      'type Fields<A, B> = Same<keyof A, keyof B> & Same<{ [K in keyof A & keyof B]-?: Same<A[K], B[K]> }[keyof A & keyof B], true>;',
    ].join('\n');
    writeFileSync(
      join(dir, 'events.ts'),
      `${code('events')}\nimport type * as real from 'keycard';\n${same}\n` +
        'export const token: Fields<TokenAuditEvent, real.TokenAuditEvent> = true;\n' +
        'export const request: Fields<RequestAuditEvent, real.RequestAuditEvent> = true;\n' +
        'export const any: Same<AuditEvent, real.AuditEvent> = true;\n',
    );
    writeFileSync(
      join(dir, 'sinks.ts'),
      `${code('sinks-2')}\nimport type * as real from 'keycard';\n${same}\n` +
        'export const sink: Fields<AuditSink, real.AuditSink> = true;\n',
    );
    expect(tscOutput('test/types/audit-events/tsconfig.json').trim()).toBe('');
  }, 120_000);
});
