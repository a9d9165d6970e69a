/**
 * The served OpenAPI document's request bounds are the runtime's (SPEC §11: the document is
 * "generated from the same schemas that validate them"). The document comes from
 * src/manage/request-schemas.ts, the runtime validates with src/manage/schemas.ts: a maximum
 * changed in one and regenerated (a past mutation run's "M10", the expiry maximum) went unnoticed.
 * Here every bound the served document states is read from the document itself and sent to the
 * real handler at the boundary: the bound accepted (no 400 naming the field), one past it refused
 * (a 400 naming the field). A bound the document gains fails the inventory test until it is probed
 * here or listed, with the reason, among those probed elsewhere.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { setup } from './fixture.ts';

type Doc = Record<string, unknown>;
type Setup = ReturnType<typeof setup>;
const BOUND = ['maximum', 'minimum', 'maxLength', 'minLength', 'maxItems', 'minItems', 'pattern'];
const CREATE = '/paths/~1api~1tokens~1tokens/post/requestBody/content/application~1json/schema/properties';
const PATCH = '/paths/~1api~1tokens~1tokens~1{id}/patch/requestBody/content/application~1json/schema/properties';
const REVOKE =
  '/paths/~1api~1tokens~1tokens~1{id}~1revoke/post/requestBody/content/application~1json/schema/properties';
const ROTATE =
  '/paths/~1api~1tokens~1tokens~1{id}~1rotate/post/requestBody/content/application~1json/schema/properties';
const ALL = '/paths/~1api~1tokens~1tokens~1revoke-all/post/requestBody/content/application~1json/schema/properties';
const LIST = '/paths/~1api~1tokens~1tokens/get/parameters';
const ACTIVITY = '/paths/~1api~1tokens~1tokens~1{id}~1activity/get/parameters';
const POLICY = '/components/schemas/RateLimitPolicy/properties';

let doc: Doc;
beforeAll(async () => {
  doc = (await (await setup().call('GET', '/openapi.json', { as: null })).json()) as Doc;
});

/** The value at a JSON pointer of the document. */
const at = (pointer: string): unknown =>
  pointer
    .split('/')
    .slice(1)
    .reduce<unknown>((v, k) => (v as Doc)[k.replaceAll('~1', '/').replaceAll('~0', '~')], doc);

/** Every bound the document states on a request (parameters, bodies, the rate limit policy), by pointer. */
function bounds(): string[] {
  const out: string[] = [];
  const walk = (v: unknown, p: string) => {
    if (typeof v !== 'object' || v === null) return;
    for (const [k, x] of Object.entries(v)) {
      const q = `${p}/${k.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      if (BOUND.includes(k)) out.push(q);
      else walk(x, q);
    }
  };
  for (const [path, ops] of Object.entries(doc.paths as Doc))
    for (const [method, op] of Object.entries(ops as Doc)) {
      const base = `/paths/${path.replaceAll('/', '~1')}/${method}`;
      walk((op as Doc).parameters, `${base}/parameters`);
      walk((op as Doc).requestBody, `${base}/requestBody`);
    }
  walk((doc.components as Doc).schemas, '/components/schemas');
  return out.filter(
    (p) => !p.startsWith('/components/schemas/TokenView') && !p.startsWith('/components/schemas/Problem'),
  );
}

/** A 400 naming `field`, or not. */
async function names(res: Response, field: string): Promise<boolean> {
  if (res.status !== 400) return false;
  const body = (await res.json()) as { errors?: { field: string }[] };
  return (body.errors ?? []).some((e) => e.field === field);
}

const text = (n: number) => 'x'.repeat(n);
/** One probe: the request carrying `v` at the field the bound is on, and the field the refusal names. */
interface Probe {
  readonly field: string;
  send(s: Setup, v: number): Promise<Response>;
}
const createWith = (extra: (v: number) => Record<string, unknown>) => (s: Setup, v: number) =>
  s.call('POST', '/tokens', { body: { label: 'b', scopes: ['read'], ...extra(v) } });
const onToken = (method: string, suffix: string, body: (v: number) => unknown) => async (s: Setup, v: number) => {
  const { record } = await s.create();
  return s.call(method, `/tokens/${record.id}${suffix}`, { body: body(v) });
};
const limit = (v: number) => ({ rateLimit: { limit: v, window: 60 } });
const window = (v: number) => ({ rateLimit: { limit: 10, window: v } });

const PROBES: Record<string, Probe> = {
  [`${CREATE}/label/minLength`]: { field: 'label', send: createWith((v) => ({ label: text(v) })) },
  [`${CREATE}/label/maxLength`]: { field: 'label', send: createWith((v) => ({ label: text(v) })) },
  [`${CREATE}/expiresIn/anyOf/1/minimum`]: { field: 'expiresIn', send: createWith((v) => ({ expiresIn: v })) },
  [`${CREATE}/expiresIn/anyOf/1/maximum`]: { field: 'expiresIn', send: createWith((v) => ({ expiresIn: v })) },
  [`${CREATE}/expiresAt/anyOf/0/maximum`]: { field: 'expiresAt', send: createWith((v) => ({ expiresAt: v })) },
  [`${PATCH}/label/minLength`]: { field: 'label', send: onToken('PATCH', '', (v) => ({ label: text(v) })) },
  [`${PATCH}/label/maxLength`]: { field: 'label', send: onToken('PATCH', '', (v) => ({ label: text(v) })) },
  [`${PATCH}/expiresAt/anyOf/0/minimum`]: { field: 'expiresAt', send: onToken('PATCH', '', (v) => ({ expiresAt: v })) },
  [`${PATCH}/expiresAt/anyOf/0/maximum`]: { field: 'expiresAt', send: onToken('PATCH', '', (v) => ({ expiresAt: v })) },
  [`${REVOKE}/reason/minLength`]: { field: 'reason', send: onToken('POST', '/revoke', (v) => ({ reason: text(v) })) },
  [`${REVOKE}/reason/maxLength`]: { field: 'reason', send: onToken('POST', '/revoke', (v) => ({ reason: text(v) })) },
  [`${ROTATE}/graceMs/minimum`]: { field: 'graceMs', send: onToken('POST', '/rotate', (v) => ({ graceMs: v })) },
  [`${ROTATE}/graceMs/maximum`]: { field: 'graceMs', send: onToken('POST', '/rotate', (v) => ({ graceMs: v })) },
  [`${ALL}/reason/minLength`]: {
    field: 'reason',
    send: (s, v) => s.call('POST', '/tokens/revoke-all', { body: { target: { ownerId: 'alice' }, reason: text(v) } }),
  },
  [`${ALL}/reason/maxLength`]: {
    field: 'reason',
    send: (s, v) => s.call('POST', '/tokens/revoke-all', { body: { target: { ownerId: 'alice' }, reason: text(v) } }),
  },
  [`${ALL}/expectCount/minimum`]: {
    field: 'expectCount',
    send: (s, v) =>
      s.call('POST', '/tokens/revoke-all', { body: { target: { ownerId: 'alice' }, reason: 'r', expectCount: v } }),
  },
  [`${POLICY}/limit/minimum`]: { field: 'rateLimit.limit', send: createWith(limit) },
  [`${POLICY}/limit/maximum`]: { field: 'rateLimit.limit', send: createWith(limit) },
  [`${POLICY}/window/minimum`]: { field: 'rateLimit.window', send: createWith(window) },
  [`${POLICY}/window/maximum`]: { field: 'rateLimit.window', send: createWith(window) },
  [`${LIST}/3/schema/maxLength`]: { field: 'q', send: (s, v) => s.call('GET', `/tokens?q=${text(v)}`) },
  [`${LIST}/1/schema/minLength`]: {
    field: 'workspaceId',
    send: (s, v) => s.call('GET', `/tokens?workspaceId=${text(v)}`),
  },
  [`${LIST}/1/schema/maxLength`]: {
    field: 'workspaceId',
    send: (s, v) => s.call('GET', `/tokens?workspaceId=${text(v)}`),
  },
};

/** Bounds probed by other files, or that no request can put one past on its own; the reason for each. */
const ELSEWHERE: Record<string, string> = {
  [`${CREATE}/expiresAt/anyOf/0/minimum`]:
    'a new token’s expiry must be in the future: 0 is refused as past (the PATCH row probes 0)',
  [`${ALL}/expectCount/maximum`]: 'MAX_SAFE_INTEGER: one past it is not an exact JSON number',
  [`${LIST}/5/schema/pattern`]: 'the query limit: probed below (a pattern, not a number)',
  [`${ACTIVITY}/2/schema/pattern`]: 'the query limit: probed below (a pattern, not a number)',
  [`${ACTIVITY}/3/schema/pattern`]: 'since: zod’s ISO date-time regex, test/manage/activity-filters.test.ts',
  [`${ACTIVITY}/4/schema/pattern`]: 'until: zod’s ISO date-time regex, test/manage/activity-filters.test.ts',
  [`${CREATE}/expiresAt/anyOf/1/pattern`]: 'zod’s ISO date-time regex, test/manage/request-schemas.test.ts',
  [`${PATCH}/expiresAt/anyOf/1/pattern`]: 'zod’s ISO date-time regex, test/manage/request-schemas.test.ts',
  [`${POLICY}/name/pattern`]: 'the policy name pattern, test/config.test.ts (POLICY_NAME is the one regex)',
  [`${LIST}/4/schema/minLength`]: 'an opaque cursor: any non-empty garbage is refused as a cursor',
  [`${LIST}/4/schema/maxLength`]: 'an opaque cursor: any non-empty garbage is refused as a cursor',
  [`${ACTIVITY}/1/schema/minLength`]: 'an opaque cursor: any non-empty garbage is refused as a cursor',
  [`${ACTIVITY}/1/schema/maxLength`]: 'an opaque cursor: any non-empty garbage is refused as a cursor',
};
for (const body of [CREATE, PATCH]) {
  for (const b of ['scopes/minItems', 'scopes/maxItems', 'scopes/items/minLength', 'scopes/items/maxLength'])
    ELSEWHERE[`${body}/${b}`] =
      'scope names: an unknown scope is refused on the same field, test/manage/request-schemas.test.ts';
  for (const b of [
    'restrictions/anyOf/0/propertyNames/minLength',
    'restrictions/anyOf/0/propertyNames/maxLength',
    'restrictions/anyOf/0/additionalProperties/maxItems',
    'restrictions/anyOf/0/additionalProperties/items/minLength',
    'restrictions/anyOf/0/additionalProperties/items/maxLength',
  ])
    ELSEWHERE[`${body}/${b}`] = 'restrictions: resource names and ids, test/manage/request-schemas.test.ts';
  ELSEWHERE[`${body}/metadata/propertyNames/maxLength`] = 'metadata keys, test/manage/request-schemas.test.ts';
}
for (const b of ['preset/minLength', 'preset/maxLength'])
  ELSEWHERE[`${CREATE}/${b}`] = 'a preset name: an unknown preset is refused on the same field';
for (const b of ['workspaceId/minLength', 'workspaceId/maxLength'])
  ELSEWHERE[`${CREATE}/${b}`] = 'a workspace id: test/manage/request-schemas.test.ts';
for (const b of ['0/properties/ownerId', '1/properties/workspaceId'])
  for (const k of ['minLength', 'maxLength'])
    ELSEWHERE[`${ALL}/target/anyOf/${b}/${k}`] = 'a target id: test/manage/request-schemas.test.ts';

describe('the served OpenAPI document states the bounds the runtime enforces', () => {
  it('every bound in the document is probed here or named with where it is held', () => {
    const listed = [...Object.keys(PROBES), ...Object.keys(ELSEWHERE)].sort();
    expect(bounds().sort()).toEqual(listed);
  });

  it.each(Object.keys(PROBES))('%s: the bound accepted, one past it refused naming the field', async (pointer) => {
    const bound = at(pointer);
    expect(typeof bound).toBe('number');
    const n = bound as number;
    const probe = PROBES[pointer]!;
    const past = pointer.endsWith('/maximum') || pointer.endsWith('/maxLength') ? n + 1 : n - 1;
    const s = setup();
    expect([pointer, n, await names(await probe.send(s, n), probe.field)]).toEqual([pointer, n, false]);
    expect([pointer, past, await names(await probe.send(s, past), probe.field)]).toEqual([pointer, past, true]);
  });

  it.each([`${LIST}/5/schema/pattern`, `${ACTIVITY}/2/schema/pattern`])(
    '%s (the query limit): what the pattern refuses the runtime refuses; 1 to 100 accepted, 101 refused',
    async (pointer) => {
      const pattern = new RegExp(at(pointer) as string);
      const s = setup();
      const { record } = await s.create();
      const get = (v: string) =>
        s.call('GET', pointer.startsWith(LIST) ? `/tokens?limit=${v}` : `/tokens/${record.id}/activity?limit=${v}`);
      for (const v of ['0', '01', '-1', '1.5', '1e2', 'a', '', '12345678901234567'])
        expect([v, pattern.test(v), await names(await get(encodeURIComponent(v)), 'limit')]).toEqual([v, false, true]);
      for (const v of ['1', '50', '100'])
        expect([v, pattern.test(v), await names(await get(v), 'limit')]).toEqual([v, true, false]);
      // The pattern states the shape only: the document is looser than the runtime here (docs/management.md).
      for (const v of ['101', '1234567890123456'])
        expect([v, pattern.test(v), await names(await get(v), 'limit')]).toEqual([v, true, true]);
    },
  );
});
