/**
 * docs/management.md, checked against the handler (a docs truth audit): every ```http example of
 * the page is read from the page and replayed against a real handler over the page's catalogue
 * (read, comments, tickets:write, tickets:assign; defaults read; presets read-only and triage;
 * resource types company and project) at the page's instant, 2026-01-01T00:00:00Z. Each answer
 * must have the page's status, the header fields it names, and its body byte for byte, where `…`
 * stands for any text, a token id for the id of the token the example names, and a secret for
 * any secret. Each block runs in a fresh world, its examples in order; a block naming the
 * "CI deploy" token (or listing, or revoking all) first creates it with the page's create body,
 * one naming its successor also rotates it with the page's grace. Also the page's defaults:
 * `maxBodyBytes` 16384, `expiringWithinMs` 7 days, `GET /tokens`'s `limit` default 50 and
 * bounds 1–100, the activity `limit` bounds 1–100, the client's `timeoutMs` default 30 000,
 * `cursorSecret`'s 32-character minimum, `canManageWorkspace`'s `() => false`, `q` searching
 * label, id and start, `Accept` ignored, and what the page's run snippets print.
 */
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { createKeycard, createManagementHandler, defineScopes, type UserActor } from '../src/index.ts';
import { fakeClock } from '../src/testing/index.ts';
import { runSnippet, snippetsOf } from './snippets.ts';

const page = readFileSync(new URL('../docs/management.md', import.meta.url), 'utf8');
const ORIGIN = 'http://app.test';
const CI_DEPLOY = { label: 'CI deploy', scopes: ['tickets:write'], expiresIn: '90d' };

function world(o: { auditStore?: boolean; expiring?: boolean } = {}) {
  const clock = fakeClock(Date.UTC(2026, 0, 1));
  const keycard = createKeycard({
    prefix: 'acme',
    clock,
    resources: ['company', 'project'],
    scopes: defineScopes(
      {
        read: { description: 'Read everything' },
        comments: { implies: ['read'], description: 'Comment' },
        'tickets:write': { implies: ['read', 'comments'], description: 'Write tickets' },
        'tickets:assign': { implies: ['read'] },
      },
      { defaults: ['read'], presets: { 'read-only': ['read'], triage: ['tickets:write', 'tickets:assign'] } },
    ),
  });
  const alice: UserActor = { kind: 'user', id: 'alice', scopes: ['tickets:write'] };
  const handler = createManagementHandler(keycard, {
    basePath: '/api/tokens',
    authorize: (r) => (r.headers.get('cookie') === 'sid=alice' ? alice : null),
    ...(o.auditStore ? { auditStore: { query: () => ({ events: [], nextCursor: null }) } } : {}),
  });
  const call = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
    handler(
      new Request(`${ORIGIN}${path}`, {
        method,
        headers: { cookie: 'sid=alice', origin: ORIGIN, 'content-type': 'application/json', ...headers },
        ...(body !== undefined ? { body } : {}),
      }),
    );
  return { keycard, clock, call };
}

interface Pair {
  readonly request: { method: string; path: string; body?: string } | null;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** The examples of one ```http block: `METHOD PATH   BODY` then `→ STATUS (Field: value, …) BODY`. */
function pairsOf(block: string): Pair[] {
  const out: Pair[] = [];
  let request: Pair['request'] = null;
  for (const line of block.split('\n').filter((l) => l.trim() !== '')) {
    const answer = /^→ (\d{3}) (?:\(([^)]*)\) )?(.*)$/.exec(line);
    if (answer) {
      const headers = Object.fromEntries(
        (answer[2] ?? '')
          .split(', ')
          .filter(Boolean)
          .map((f) => f.split(': ') as [string, string]),
      );
      out.push({ request, status: Number(answer[1]), headers, body: answer[3]! });
      request = null;
    } else {
      const m = /^([A-Z]+) (\S+)(?: {2,}(.*))?$/.exec(line);
      if (!m) throw new Error(`not an example line: ${line}`);
      request = { method: m[1]!, path: m[2]!, ...(m[3] ? { body: m[3] } : {}) };
    }
  }
  return out;
}

const DOC_ID = /tok_[A-Za-z0-9]{22}/g;
/** The page's answer as a pattern: `…` any text, known ids as the real ones, a secret any secret. */
function pattern(doc: string, ids: Map<string, string>): RegExp {
  const escaped = doc
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(DOC_ID, (id) => ids.get(id) ?? 'tok_[A-Za-z0-9]{22}')
    .replace(/acme_sk_…"/g, 'acme_sk_[A-Za-z0-9]+"')
    .replace(/acme_sk_…[A-Za-z0-9]{4}/g, 'acme_sk_…[A-Za-z0-9]{4}')
    .replace(/acme_sk_[A-Za-z0-9]{30,}/g, 'acme_sk_[A-Za-z0-9]+')
    .replace(/(?<!acme_sk_)…/g, '[^]*?');
  return new RegExp(`^${escaped}$`);
}

/** Each http block of the page with the `###` route heading above it. */
const blocks = [...page.matchAll(/```http\n([\s\S]*?)\n```/g)].map((m) => ({
  text: m[1]!,
  at: m.index,
  heading: [...page.slice(0, m.index).matchAll(/^### `([A-Z]+) ([^`]+)`/gm)].at(-1)!,
}));

async function prepare(w: ReturnType<typeof world>, text: string): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  const names = text.match(DOC_ID) ?? [];
  const needsToken = names.length > 0 || /GET \/api\/tokens\/tokens$|revoke-all|^→/m.test(text);
  if (!needsToken) return ids;
  const created = (await (await w.call('POST', '/api/tokens/tokens', JSON.stringify(CI_DEPLOY))).json()) as {
    record: { id: string };
  };
  ids.set('tok_VZqQ55YRX7dH5vuaDKFAwT', created.record.id);
  if (text.includes('tok_w7MrM0qRyYRHgX1EzxRL4F') && !text.includes('/rotate')) {
    const rotated = await w.call('POST', `/api/tokens/tokens/${created.record.id}/rotate`, '{"graceMs":3600000}');
    ids.set('tok_w7MrM0qRyYRHgX1EzxRL4F', ((await rotated.json()) as { record: { id: string } }).record.id);
  }
  return ids;
}

describe('docs/management.md: every http example, replayed against the handler', () => {
  const oneLine = blocks.filter((b) => b.text.includes('→'));
  it('finds the examples (one-line blocks and the create request with its answer)', () => {
    expect(oneLine.length).toBe(9);
    expect(oneLine.flatMap((b) => pairsOf(b.text)).length).toBe(16);
  });

  it.each(oneLine.map((b) => [b.text.split('\n')[0]!.slice(0, 70), b] as const))('%s', async (_, b) => {
    const w = world({ auditStore: false });
    const ids = await prepare(w, b.text);
    for (const pair of pairsOf(b.text)) {
      const req = pair.request ?? {
        method: b.heading[1]!,
        path: `/api/tokens${b.heading[2]!.replace(':id', ids.get('tok_VZqQ55YRX7dH5vuaDKFAwT') ?? 'tok_none')}`,
      };
      const path = req.path.replace(DOC_ID, (id) => ids.get(id) ?? id);
      const res = await w.call(req.method, path, req.body);
      const text = await res.text();
      expect({ status: res.status, body: text }).toEqual({
        status: pair.status,
        body: expect.stringMatching(pattern(pair.body, ids)),
      });
      // A successor named by the answer (a rotation's new token) is the page's next id.
      if (req.path.endsWith('/rotate'))
        ids.set('tok_w7MrM0qRyYRHgX1EzxRL4F', (JSON.parse(text) as { record: { id: string } }).record.id);
      for (const [field, value] of Object.entries(pair.headers)) {
        expect(res.headers.get(field)).toBe(value.replace(DOC_ID, (id) => ids.get(id) ?? id));
      }
    }
  });

  it('the create request and its answer (HTTP/1.1 message form): status, the fields named, the body', async () => {
    const i = blocks.findIndex((b) => b.text.startsWith('POST /api/tokens/tokens\n'));
    const [request, answer] = [blocks[i]!.text, blocks[i + 1]!.text];
    const [head, body] = request.split('\n\n') as [string, string];
    expect(head.split('\n')[1]).toBe('Content-Type: application/json');
    const [answerHead, answerBody] = answer.split('\n\n') as [string, string];
    const [statusLine, ...fields] = answerHead.split('\n');
    const res = await world().call('POST', '/api/tokens/tokens', body);
    expect(`HTTP/1.1 ${res.status} ${res.statusText || 'Created'}`).toBe(statusLine);
    for (const f of fields) {
      const [name, value] = f.split(': ') as [string, string];
      expect(`${name}: ${res.headers.get(name)}`).toBe(`${name}: ${value}`);
    }
    expect(await res.text()).toMatch(pattern(answerBody, new Map()));
  });
});

describe('docs/management.md "Options and hooks" and the routes: the defaults the page states', () => {
  it('maxBodyBytes 16384: a body of 16,384 bytes is read, one byte more is 413 payload_too_large', async () => {
    const w = world();
    const sized = (n: number) => {
      const head = '{"label":"x","scopes":["read"],"metadata":{"pad":"';
      return `${head}${'a'.repeat(n - head.length - 3)}"}}`;
    };
    const at = await w.call('POST', '/api/tokens/tokens', sized(16_384));
    expect(at.status).toBe(201);
    const over = await w.call('POST', '/api/tokens/tokens', sized(16_385));
    expect({ status: over.status, code: ((await over.json()) as { code: string }).code }).toEqual({
      status: 413,
      code: 'payload_too_large',
    });
  });

  it('expiringWithinMs 7 days: a live token expiring within 7 days is `expiring`, one later `active`', async () => {
    const w = world();
    const status = async (expiresIn: number) => {
      const res = await w.call('POST', '/api/tokens/tokens', JSON.stringify({ label: 'x', expiresIn }));
      return ((await res.json()) as { record: { status: string } }).record.status;
    };
    const week = 7 * 86_400_000;
    expect([await status(week), await status(week + 1)]).toEqual(['expiring', 'active']);
  });

  it('GET /tokens: limit 1–100, default 50; the activity limit 1–100, default 50', async () => {
    const w = world();
    for (let i = 0; i < 51; i++) await w.call('POST', '/api/tokens/tokens', JSON.stringify({ label: `t${i}` }));
    const page = (await (await w.call('GET', '/api/tokens/tokens')).json()) as { data: unknown[]; nextCursor: unknown };
    expect({ rows: page.data.length, more: page.nextCursor !== null }).toEqual({ rows: 50, more: true });
    const statusOf = async (path: string) => (await w.call('GET', path)).status;
    expect(await Promise.all(['0', '1', '100', '101'].map((l) => statusOf(`/api/tokens/tokens?limit=${l}`)))).toEqual([
      400, 200, 200, 400,
    ]);
    const limits: unknown[] = [];
    const audited = createManagementHandler(w.keycard, {
      basePath: '/api/tokens',
      authorize: () => ({ kind: 'user', id: 'alice', scopes: ['read'] }),
      auditStore: { query: (f: { limit: number }) => (limits.push(f.limit), { events: [], nextCursor: null }) },
    });
    const id = (page.data[0] as { id: string }).id;
    const activity = async (q: string) =>
      (await audited(new Request(`${ORIGIN}/api/tokens/tokens/${id}/activity${q}`))).status;
    expect(await Promise.all(['', '?limit=1', '?limit=100', '?limit=0', '?limit=101'].map(activity))).toEqual([
      200, 200, 200, 400, 400,
    ]);
    expect(limits).toEqual([50, 1, 100]);
  });

  it('GET /tokens `q` searches label, id and start, in any case; an answer is JSON whatever `Accept` asks', async () => {
    const w = world();
    const made = async (label: string) =>
      (
        (await (await w.call('POST', '/api/tokens/tokens', JSON.stringify({ label }))).json()) as {
          record: { id: string; start: string };
        }
      ).record;
    const a = await made('Nightly Export');
    const b = await made('triage');
    const found = async (q: string) => {
      const res = await w.call('GET', `/api/tokens/tokens?q=${encodeURIComponent(q)}`);
      return ((await res.json()) as { data: { id: string }[] }).data.map((t) => t.id);
    };
    expect(await found('nightly EXPORT')).toEqual([a.id]);
    expect(await found(b.id.slice(4, 14).toUpperCase())).toEqual([b.id]);
    expect(await found(a.start.slice(-4))).toEqual([a.id]);
    expect(await found('nothing-like-it')).toEqual([]);
    expect(page.replace(/\s+/g, ' ')).toContain('`q` (in label, id or start)');
    const html = await w.call('GET', '/api/tokens/tokens', undefined, { accept: 'text/html' });
    expect([html.status, html.headers.get('content-type')]).toEqual([200, 'application/json']);
  });

  it('cursorSecret: at least 32 characters; canManageWorkspace: () => false by default (a workspace listing is 404)', async () => {
    const { keycard, call } = world();
    const make = (cursorSecret: string) => () =>
      createManagementHandler(keycard, { authorize: () => null, cursorSecret });
    expect(make('x'.repeat(31))).toThrow(/cursorSecret/);
    expect(make('x'.repeat(32))).not.toThrow();
    const listing = await call('GET', '/api/tokens/tokens?workspaceId=w1');
    expect([listing.status, ((await listing.json()) as { code: string }).code]).toEqual([404, 'not_found']);
  });

  it('Cache-Control: no-store on every answer but the OpenAPI document (no-cache) and an OPTIONS 204 (none)', async () => {
    const w = world({ auditStore: true });
    const created = (await (await w.call('POST', '/api/tokens/tokens', '{"label":"x"}')).json()) as {
      record: { id: string };
    };
    const id = created.record.id;
    const seen: string[] = [];
    for (const [method, path, body] of [
      ['GET', '/tokens'],
      ['HEAD', '/tokens'],
      ['GET', `/tokens/${id}`],
      ['PATCH', `/tokens/${id}`, '{"label":"y"}'],
      ['GET', `/tokens/${id}/activity`],
      ['GET', '/scopes'],
      ['POST', '/tokens', '{"bogus":1}'],
      ['PUT', '/tokens'],
      ['GET', '/nowhere'],
      ['GET', '/device'],
      ['POST', `/tokens/${id}/rotate`, '{}'],
      ['POST', `/tokens/${id}/revoke`, '{}'],
      ['GET', '/openapi.json'],
      ['OPTIONS', `/tokens/${id}`],
      ['OPTIONS', '/device/code'],
    ] as const) {
      const res = await w.call(method, `/api/tokens${path}`, body);
      seen.push(`${method} ${path.replace(id, ':id')} ${res.status} ${res.headers.get('cache-control')}`);
    }
    expect(seen.filter((s) => !s.endsWith(' no-store'))).toEqual([
      'GET /openapi.json 200 no-cache',
      'OPTIONS /tokens/:id 204 null',
      'OPTIONS /device/code 204 null',
    ]);
    expect(page.replace(/\s+/g, ' ')).toContain(
      'Every answer carries `Cache-Control: no-store`, but the public OpenAPI document (`no-cache`',
    );
  });

  it('the client: timeoutMs 30 000 by default, told as `unavailable` "<origin> did not answer within 30000 ms"', async () => {
    const { createManagementClient, ManagementError } = await import('../src/client/index.ts');
    const asked: number[] = [];
    const spy = vi.spyOn(AbortSignal, 'timeout').mockImplementation((ms: number) => {
      asked.push(ms);
      return AbortSignal.abort(new DOMException('The operation timed out.', 'TimeoutError'));
    });
    try {
      const api = createManagementClient({
        baseUrl: 'https://app.example/api/tokens',
        fetch: (_url, init) => Promise.reject(init.signal!.reason as Error),
      });
      const error = await api.list().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ManagementError);
      expect({ code: (error as Error & { code: string }).code, message: (error as Error).message }).toEqual({
        code: 'unavailable',
        message: 'https://app.example did not answer within 30000 ms',
      });
      expect(asked).toEqual([30_000]);
      expect(page).toContain('`timeoutMs` (default 30 000 ms');
    } finally {
      spy.mockRestore();
    }
  });
});

describe('docs/management.md: what its snippets print is what their comments say', () => {
  it.each(['management-quickstart', 'management-whole-path'])('%s', async (name) => {
    const s = snippetsOf('docs/management.md').find((x) => x.name === name)!;
    const said = [...s.code.matchAll(/^console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1]);
    expect(said.length).toBe(1);
    const printed: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      printed.push(args.map((a) => inspect(a, { breakLength: Infinity })).join(' '));
    });
    try {
      await runSnippet(s);
    } finally {
      log.mockRestore();
    }
    expect(printed).toEqual(said);
  });
});
