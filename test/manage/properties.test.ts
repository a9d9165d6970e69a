/**
 * Laws of the management API, for random catalogues, actors and requests:
 * - a token created through the API is never wider than its creator (user or management token);
 * - no actor reads or changes a token `can` hides: the answer is 404 and the record is unchanged.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  createKeycard,
  createManagementHandler,
  defineScopes,
  type Keycard,
  type ManagementActor,
  type ManagementTarget,
  type UserActor,
} from '../../src/index.ts';
import { fakeClock } from '../../src/testing/index.ts';

const ORIGIN = 'http://app.test';

/** A random catalogue: s0..s(n-1), each implying a random subset of the earlier ones (a DAG). */
const catalogueArb = fc.integer({ min: 2, max: 6 }).chain((n) =>
  fc
    .tuple(...Array.from({ length: n }, (_, i) => fc.subarray(Array.from({ length: i }, (_, j) => `s${j}`))))
    .map((implies) => {
      const defs: Record<string, { implies: string[] }> = {};
      implies.forEach((imp, i) => (defs[`s${i}`] = { implies: imp }));
      return defs;
    }),
);

function build(
  defs: Record<string, { implies: string[] }>,
  users: Record<string, UserActor>,
  can?: (a: ManagementActor, t: ManagementTarget) => boolean,
) {
  const scopes = defineScopes({ ...defs, manage: {} }, { onWarning: () => {} });
  const keycard = createKeycard({
    prefix: 'acme',
    scopes,
    clock: fakeClock(),
    onWarning: () => {},
  }) as unknown as Keycard;
  const handler = createManagementHandler(keycard, {
    managementScope: 'manage',
    authorize: (r) => users[r.headers.get('cookie')?.slice(4) ?? ''] ?? null,
    ...(can ? { can: (a, _action, t) => can(a, t) } : {}),
  });
  const call = (method: string, path: string, who: { user?: string; bearer?: string }, body?: unknown) =>
    handler(
      new Request(`${ORIGIN}${path}`, {
        method,
        headers: {
          origin: ORIGIN,
          ...(who.user ? { cookie: `sid=${who.user}` } : {}),
          ...(who.bearer ? { authorization: `Bearer ${who.bearer}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      }),
    );
  return { keycard, call };
}

describe('management API laws', () => {
  test('a token created through the API is never wider than its creator', async () => {
    await fc.assert(
      fc.asyncProperty(
        catalogueArb.chain((defs) => {
          const names = Object.keys(defs);
          return fc.record({
            defs: fc.constant(defs),
            actorScopes: fc.subarray(names),
            asks: fc.array(fc.subarray(names, { minLength: 1 }), { minLength: 1, maxLength: 4 }),
            childAsks: fc.subarray(names, { minLength: 1 }),
          });
        }),
        async ({ defs, actorScopes, asks, childAsks }) => {
          const users = { u: { kind: 'user', id: 'u', scopes: [...actorScopes, 'manage'] } as UserActor };
          const { keycard, call } = build(defs, users);
          const cat = keycard.scopes;
          const bound = cat.closure(users.u.scopes);
          let manager: { token: string; scopes: string[] } | null = null;
          for (const ask of asks) {
            const res = await call('POST', '/tokens', { user: 'u' }, { label: 't', scopes: [...ask, 'manage'] });
            const j = (await res.json()) as {
              token: string;
              record: { scopes: string[]; effectiveScopes: string[] };
              code?: string;
            };
            const within = [...cat.closure([...ask, 'manage'])].every((s) => bound.has(s));
            expect(res.status).toBe(within ? 201 : 403);
            if (res.status === 201) {
              expect(j.record.effectiveScopes.every((s) => bound.has(s))).toBe(true);
              manager ??= { token: j.token, scopes: j.record.scopes };
            } else expect(j.code).toBe('scope_escalation');
          }
          if (manager) {
            // A management token mints only within itself.
            const own = cat.closure(manager.scopes);
            const res = await call('POST', '/tokens', { bearer: manager.token }, { label: 'child', scopes: childAsks });
            const within = [...cat.closure(childAsks)].every((s) => own.has(s));
            expect(res.status).toBe(within ? 201 : 403);
            if (res.status === 201) {
              const j = (await res.json()) as { record: { effectiveScopes: string[] } };
              expect(j.record.effectiveScopes.every((s) => own.has(s))).toBe(true);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  test('no actor reads or changes a token can hides (404, record unchanged)', async () => {
    const people = ['p0', 'p1', 'p2'];
    const requests = [
      ['GET', ''],
      ['PATCH', '', { label: 'changed' }],
      ['POST', '/revoke', { reason: 'r' }],
      ['POST', '/rotate', {}],
      ['GET', '/activity'],
    ] as const;
    await fc.assert(
      fc.asyncProperty(
        // sees[a][o]: may person a see person o's tokens?
        fc.array(fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), { minLength: 3, maxLength: 3 }),
        fc.array(
          fc.record({
            actor: fc.integer({ min: 0, max: 2 }),
            owner: fc.integer({ min: 0, max: 2 }),
            req: fc.integer({ min: 0, max: requests.length - 1 }),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        async (sees, steps) => {
          const users = Object.fromEntries(
            people.map((p) => [p, { kind: 'user', id: p, scopes: ['s0', 'manage'] } as UserActor]),
          );
          const can = (a: ManagementActor, t: ManagementTarget) => {
            const ai = people.indexOf(a.kind === 'user' ? a.id : a.identity.ownerId);
            return t.ownerId !== null && sees[ai]![people.indexOf(t.ownerId)]! === true;
          };
          const { keycard, call } = build({ s0: { implies: [] } }, users, can);
          const ids: string[] = [];
          for (const p of people) ids.push((await keycard.issue({ ownerId: p, label: p, scopes: ['s0'] })).record.id);
          for (const step of steps) {
            const [method, suffix, body] = requests[step.req]!;
            const before = JSON.stringify(await keycard.list({ status: 'all' }));
            const res = await call(method, `/tokens/${ids[step.owner]}${suffix}`, { user: people[step.actor] }, body);
            if (!sees[step.actor]![step.owner]) {
              expect(res.status).toBe(404);
              expect(((await res.json()) as { code: string }).code).toBe('not_found');
              expect(JSON.stringify(await keycard.list({ status: 'all' }))).toBe(before);
            } else {
              expect(res.status).not.toBe(404);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
