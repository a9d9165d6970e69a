/**
 * SPEC §11 "`GET /openapi.json`: an OpenAPI 3.1 document of these routes" and TokenView: every
 * success answer of every route fits the schema the served document declares for its status
 * (test/manage/openapi-answers.test.ts holds the problem bodies to it; the successes were not).
 * The token views cover each state that fills a field another way: a workspace token, a
 * restricted one with a rate limit and metadata, one created by a management token (`createdBy`),
 * one used (`lastUsedAt`, `lastUsedSurface` from the audit store), a rotated one
 * (`rotatedFromId`), a revoked one (`revokedAt`, `revokedReason`), and an expiring one. The
 * validator reads the JSON Schema keywords the document uses; an unknown keyword fails the test,
 * so a schema it cannot read is not passed unseen.
 */
import { describe, expect, it } from 'vitest';
import { memoryAuditStore } from '../../src/index.ts';
import { setup } from './fixture.ts';

type Schema = Readonly<Record<string, unknown>>;
const KNOWN = new Set([
  ...['$ref', 'anyOf', 'oneOf', 'allOf', 'type', 'enum', 'const', 'properties', 'required'],
  ...['additionalProperties', 'propertyNames', 'items', 'minimum', 'maximum', 'exclusiveMinimum'],
  ...['minLength', 'maxLength', 'minItems', 'maxItems', 'pattern', 'format', 'description', 'default'],
]);

const typeOf = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v;

/** The ways `value` breaks `schema` (refs resolved in `defs`), at JSON paths. */
function breaches(schema: Schema, value: unknown, defs: Record<string, Schema>, at = '$'): string[] {
  const unknown = Object.keys(schema).filter((k) => !KNOWN.has(k));
  if (unknown.length) return [`${at}: the validator does not read ${unknown.join(', ')}`];
  if (typeof schema['$ref'] === 'string') {
    const name = /^#\/components\/schemas\/(.+)$/.exec(schema['$ref'])?.[1];
    return name && defs[name] ? breaches(defs[name], value, defs, at) : [`${at}: unresolved ${schema['$ref']}`];
  }
  const out: string[] = [];
  const anyOf = (schema['anyOf'] ?? schema['oneOf']) as Schema[] | undefined;
  if (anyOf) {
    const fits = anyOf.filter((s) => breaches(s, value, defs, at).length === 0).length;
    if (schema['oneOf'] ? fits !== 1 : fits === 0) out.push(`${at} fits ${fits} of ${anyOf.length} alternatives`);
  }
  for (const s of (schema['allOf'] as Schema[] | undefined) ?? []) out.push(...breaches(s, value, defs, at));
  const t = typeOf(value);
  if (schema['type'] !== undefined) {
    const allowed = [schema['type']].flat() as string[];
    if (!allowed.includes(t) && !(t === 'integer' && allowed.includes('number')))
      return [...out, `${at} is ${t}, not ${allowed.join('|')}`];
  }
  if (schema['enum'] && !(schema['enum'] as unknown[]).includes(value)) out.push(`${at} is not one of the enum`);
  if ('const' in schema && schema['const'] !== value) out.push(`${at} is not the const`);
  if (typeof value === 'number') {
    if (typeof schema['minimum'] === 'number' && value < schema['minimum']) out.push(`${at} below minimum`);
    if (typeof schema['maximum'] === 'number' && value > schema['maximum']) out.push(`${at} above maximum`);
  }
  if (typeof value === 'string') {
    if (typeof schema['minLength'] === 'number' && value.length < schema['minLength']) out.push(`${at} too short`);
    if (typeof schema['maxLength'] === 'number' && value.length > schema['maxLength']) out.push(`${at} too long`);
    if (typeof schema['pattern'] === 'string' && !new RegExp(schema['pattern'], 'u').test(value))
      out.push(`${at} does not match ${schema['pattern']}`);
  }
  if (t === 'object') {
    const obj = value as Record<string, unknown>;
    const props = (schema['properties'] ?? {}) as Record<string, Schema>;
    for (const r of (schema['required'] as string[] | undefined) ?? [])
      if (!(r in obj)) out.push(`${at}.${r} is missing`);
    for (const [k, v] of Object.entries(obj)) {
      if (schema['propertyNames']) out.push(...breaches(schema['propertyNames'] as Schema, k, defs, `${at}[key ${k}]`));
      if (props[k]) out.push(...breaches(props[k], v, defs, `${at}.${k}`));
      else if (schema['additionalProperties'] === false) out.push(`${at}.${k} is not in the schema`);
      else if (typeof schema['additionalProperties'] === 'object')
        out.push(...breaches(schema['additionalProperties'] as Schema, v, defs, `${at}.${k}`));
    }
  }
  if (Array.isArray(value) && schema['items'])
    value.forEach((v, i) => out.push(...breaches(schema['items'] as Schema, v, defs, `${at}[${i}]`)));
  return out;
}

interface Doc {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>
  >;
  components: { schemas: Record<string, Schema> };
}

describe('every success answer fits the served OpenAPI document', () => {
  it('list, create, get, update, revoke, rotate, revoke-all, scopes and activity, across token states', async () => {
    // On the fixture's fake clock, so the usage roll-up's days are the token's.
    const now = () => w.clock.now();
    const audit = memoryAuditStore({ clock: { now, monotonic: now } });
    const w = setup({ auditStore: audit });
    const doc = (await (await w.call('GET', '/openapi.json', { as: null })).json()) as Doc;
    const found: string[] = [];
    const checked: string[] = [];
    const check = async (method: string, path: string, o: Parameters<typeof w.call>[2] = {}) => {
      const res = await w.call(method, path, o);
      const template = `/api/tokens${path.split('?')[0]!.replace(/tok_[A-Za-z0-9]+/, '{id}')}`;
      const what = `${method} ${template} ${res.status}`;
      const body: unknown = await res.json();
      const schema =
        doc.paths[template]?.[method.toLowerCase()]?.responses[String(res.status)]?.content?.['application/json']
          ?.schema;
      if (res.status >= 300) found.push(`${what}: not a success: ${JSON.stringify(body)}`);
      else if (!schema) found.push(`${what}: no application/json schema declared`);
      else found.push(...breaches(schema, body, doc.components.schemas).map((b) => `${what}: ${b}`));
      checked.push(what);
      return body as Record<string, unknown> & { record: { id: string }; token: string };
    };

    const plain = await check('POST', '/tokens', { body: { label: 'plain', scopes: ['read'] } });
    const full = await check('POST', '/tokens', {
      body: {
        label: 'full',
        scopes: ['comments'],
        restrictions: { company: ['c1'], project: ['p1'] },
        rateLimit: { read: { limit: 30, window: 60 }, write: { limit: 5, window: 60 } },
        metadata: { via: 'test', nested: { n: 1, list: [true, null, 'x'] } },
        expiresIn: 2 * 86_400_000, // expiring within the 7-day default
      },
    });
    await check('POST', '/tokens', { as: 'admin', body: { label: 'ws', kind: 'workspace', workspaceId: 'w1' } });
    const manager = await check('POST', '/tokens', { body: { label: 'manager', scopes: ['manage', 'read'] } });
    const child = await check('POST', '/tokens', {
      as: null,
      origin: null,
      bearer: manager.token,
      body: { label: 'made by a token', preset: 'read-only', expiresIn: '30d' },
    });
    const used = await w.keycard.authenticate(
      { method: 'GET', url: 'http://app.test/api/x', headers: { authorization: `Bearer ${plain.token}` } },
      { surface: 'mcp' },
    );
    expect(used.ok).toBe(true);
    // The handler's audit store is not the fixture keycard's sink: the use is recorded there as the sink would.
    void audit.write({
      type: 'request.allowed',
      time: new Date(w.clock.now()).toISOString(),
      tokenId: plain.record.id,
      ownerId: 'alice',
      workspaceId: null,
      label: 'plain',
      surface: 'mcp',
      method: 'POST',
      path: '/mcp',
      requestId: 'r-1',
    } as Parameters<typeof audit.write>[0]);
    await audit.flush();

    const seen = await check('GET', `/tokens/${plain.record.id}`);
    expect([seen['lastUsedSurface'], typeof seen['lastUsedAt']]).toEqual(['mcp', 'string']);
    await check('GET', `/tokens/${full.record.id}`);
    await check('GET', `/tokens/${child.record.id}`);
    await check('PATCH', `/tokens/${full.record.id}`, { body: { label: 'full (renamed)', rateLimit: null } });
    await check('POST', `/tokens/${full.record.id}/rotate`, { body: { graceMs: 3_600_000 } });
    await check('POST', `/tokens/${child.record.id}/revoke`, { body: { reason: 'done' } });
    await check('GET', '/tokens?status=all&limit=2');
    await check('GET', '/tokens?status=all');
    await check('GET', '/tokens?kind=workspace&workspaceId=w1', { as: 'admin' });
    await check('GET', '/scopes');
    await check('GET', `/tokens/${plain.record.id}/activity?limit=5`);
    await check('GET', `/tokens/${child.record.id}/activity`);
    await check('POST', '/tokens/revoke-all', {
      body: { target: { ownerId: 'alice' }, reason: 'end', expectCount: 4 },
    });

    expect(found).toEqual([]);
    expect(checked).toHaveLength(18);
  });
});
