/**
 * `linkRequest` (keycard/adapter-kit): a Web `Request` an adapter made from a checked request is
 * that request to keycard (one lookup, one charge, one request id), and nothing else rides on the
 * admission: not a copy of the made request, not a request carrying another credential, not a
 * request linked after it had its own check; links that would loop are refused. A real keycard
 * with a counting memory limiter; the made requests are real `Request`s, as `expressHandler` makes.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkRequest } from '../src/adapter-kit.ts';
import { createKeycard, defineScopes, memoryAuditSink, memoryLimiter, type AuthRequest } from '../src/index.ts';

const sink = memoryAuditSink();
const memory = memoryLimiter();
let consumes = 0;
const keycard = createKeycard({
  prefix: 'acme',
  scopes: defineScopes({ read: {}, manage: {} }),
  audit: sink,
  rateLimit: { limit: 100_000, window: 60 },
  limiter: {
    consume: (key, limit, window) => {
      consumes++;
      return memory.consume(key, limit, window);
    },
  },
});
let reader = '';
let other = '';

beforeAll(async () => {
  reader = (await keycard.issue({ ownerId: 'u_1', label: 'reader', scopes: ['read'] })).token;
  other = (await keycard.issue({ ownerId: 'u_2', label: 'other', scopes: ['read', 'manage'] })).token;
});
afterAll(() => keycard.close());

/** A guard's request as the Node layer builds it (src/adapters/node.ts): Authorization as its lines. */
const nodeInput = (token: string): AuthRequest => ({
  method: 'GET',
  url: '/api/tokens/tokens',
  headers: { authorization: [`Bearer ${token}`] },
});
const made = (token: string) =>
  new Request('http://127.0.0.1/api/tokens/tokens', { headers: { authorization: `Bearer ${token}` } });

/** Limiter consumes and `request.*` events a few checks left. */
async function counted(run: () => Promise<unknown>) {
  const [c, e] = [consumes, sink.events.length];
  await run();
  await keycard.flush();
  return { consumes: consumes - c, events: sink.events.slice(e).filter((x) => x.type.startsWith('request.')) };
}

describe('linkRequest', () => {
  it('the made request is the checked one: one charge, its refusal under the admission’s request id', async () => {
    const r = await counted(async () => {
      const input = nodeInput(reader);
      expect((await keycard.authenticate(input)).ok).toBe(true);
      const req = made(reader);
      linkRequest(req, input);
      const later = await keycard.authenticate(req, { scope: 'manage' });
      expect(!later.ok && !later.skip && later.status).toBe(403);
    });
    expect(r.consumes).toBe(1);
    expect(r.events.map((e) => e.type)).toEqual(['request.allowed', 'request.denied']);
    expect(new Set(r.events.map((e) => (e as { requestId: string }).requestId)).size).toBe(1);
  });

  it('another credential on the made request: no link, its own lookup, charge and identity', async () => {
    const r = await counted(async () => {
      const input = nodeInput(reader);
      await keycard.authenticate(input);
      const req = made(other);
      linkRequest(req, input);
      const a = await keycard.authenticate(req, { scope: 'manage' });
      expect(a.ok && a.identity.label).toBe('other');
    });
    expect(r.consumes).toBe(2);
  });

  it('copies of a made request are new requests; a request checked before the link keeps its own check', async () => {
    const r = await counted(async () => {
      const input = nodeInput(reader);
      await keycard.authenticate(input);
      const req = made(reader);
      linkRequest(req, input);
      await keycard.authenticate(new Request(req)); // a copy: charged
      await keycard.authenticate({ ...req, method: 'GET', url: req.url, headers: req.headers }); // a spread: charged
      const early = made(reader);
      await keycard.authenticate(early); // its own check: charged
      linkRequest(early, input);
      await keycard.authenticate(early); // still its own: not charged again
    });
    expect(r.consumes).toBe(4);
  });

  it('property: any links among a few requests end, and each chain is charged once', async () => {
    // Up to 4 requests with one credential; links in any order (loops, self-links, re-links);
    // then every request is checked, each after those it was made from (as a guard checks before
    // the mount). Law: a check terminates, and the charges are the number of distinct chains
    // (requests whose links end at the same root share one check).
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(3), fc.nat(3)), { maxLength: 8 }), async (links) => {
        const reqs = [0, 1, 2, 3].map(() => made(reader));
        const root = reqs.map((_, i) => i);
        const find = (i: number): number => (root[i] === i ? i : find(root[i]!));
        const linked = new Set<number>();
        for (const [a, b] of links) {
          linkRequest(reqs[a]!, reqs[b]! as unknown as AuthRequest);
          // The model: linked once; to the root of `b`, never to itself.
          const to = find(b);
          if (to !== a && !linked.has(a)) (linked.add(a), (root[a] = to));
        }
        const r = await counted(async () => {
          const depth = (i: number): number => (root[i] === i ? 0 : 1 + depth(root[i]!));
          const order = [0, 1, 2, 3].sort((x, y) => depth(x) - depth(y));
          for (const i of order) expect((await keycard.authenticate(reqs[i]!)).ok).toBe(true);
        });
        expect(r.consumes).toBe(new Set(reqs.map((_, i) => find(i))).size);
      }),
      { numRuns: 200 },
    );
  });
});
