/**
 * Fuzz: for every route, at least 5,000 random JSON bodies and query strings. Every answer is a
 * 2xx or a 4xx/501 with a problem+json body; never a 5xx crash; and a refused request leaves the
 * store exactly as it was (no half-written record).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { setup } from './fixture.ts';

const RUNS = 5_000;

const fieldNames = [
  'label',
  'scopes',
  'preset',
  'kind',
  'workspaceId',
  'restrictions',
  'expiresIn',
  'expiresAt',
  'metadata',
  'reason',
  'graceMs',
  'target',
  'expectCount',
  'x',
];
const queryNames = ['kind', 'workspaceId', 'status', 'q', 'cursor', 'limit', 'since', 'until', 'outcome', 'zz'];

/** Bodies: any JSON, objects made of the routes' own field names (deeper into validation), or raw text. */
const bodyArb = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc
    .dictionary(
      fc.constantFrom(...fieldNames),
      fc.oneof(
        fc.jsonValue(),
        fc.constantFrom(
          'read',
          'comments',
          'tickets:assign',
          '30d',
          'workspace',
          'w1',
          'alice',
          { ownerId: 'alice' },
          ['read'],
          -1,
          0,
          1e300,
        ),
      ),
    )
    .map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 64 }),
);
/** Query strings: parameters of the routes with random values, repeats, or raw text. */
const queryArb = fc.oneof(
  fc
    .array(
      fc.tuple(
        fc.constantFrom(...queryNames),
        fc.oneof(
          fc.string({ maxLength: 24 }),
          fc.constantFrom(
            'active',
            'all',
            'expiring',
            '0',
            '100',
            '101',
            '2026-01-01T00:00:00Z',
            'denied',
            'workspace',
          ),
        ),
      ),
      { maxLength: 4 },
    )
    .map((pairs) => new URLSearchParams(pairs).toString()),
  fc.string({ maxLength: 40 }).map((s) => encodeURI(s)),
);

describe('management API fuzz', async () => {
  const routes = [
    ['GET', '/tokens'],
    ['POST', '/tokens'],
    ['GET', '/tokens/{id}'],
    ['PATCH', '/tokens/{id}'],
    ['POST', '/tokens/{id}/revoke'],
    ['POST', '/tokens/{id}/rotate'],
    ['POST', '/tokens/revoke-all'],
    ['GET', '/scopes'],
    ['GET', '/tokens/{id}/activity'],
    ['GET', '/openapi.json'],
  ] as const;

  test.each(routes)(
    `%s %s: ${RUNS} random inputs, only 2xx or problem 4xx, nothing half-written`,
    async (method, template) => {
      const s = setup();
      const { record } = await s.create({ label: 'target', scopes: ['comments'], expiresIn: '30d' });
      const path = template.replace('{id}', record.id);
      const snapshot = async () => JSON.stringify(await s.keycard.list({ status: 'all', limit: 500 }));
      let refused = 0;
      await fc.assert(
        fc.asyncProperty(bodyArb, queryArb, async (body, query) => {
          const before = await snapshot();
          const res = await s.call(
            method,
            `${path}${query ? `?${query}` : ''}`,
            method === 'GET' ? {} : { raw: body, headers: { 'content-type': 'application/json' } },
          );
          const text = await res.text();
          expect(res.status, text).not.toBe(500);
          expect(res.status === 501 || res.status < 500, text).toBe(true);
          if (res.status >= 400) {
            refused++;
            expect(res.headers.get('content-type')).toBe('application/problem+json');
            const p = JSON.parse(text) as { status: number; code: string };
            expect(p.status).toBe(res.status);
            expect(typeof p.code).toBe('string');
            expect(await snapshot()).toBe(before);
          }
        }),
        { numRuns: RUNS },
      );
      expect(refused).toBeGreaterThan(RUNS / 2);
      expect(s.logs).toEqual([]);
    },
  );
});
