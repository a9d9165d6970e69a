/**
 * The served OpenAPI document against the handler's own answers: every status an operation
 * answers is declared for it, and every problem body fits the document's `Problem` schema (its
 * members, their types, nothing more). Through both callers: a session, and a keycard bearer
 * token (whose refusals are the request contract's own: 403 insufficient_scope, 429).
 */
import { describe, expect, it } from 'vitest';
import { memoryAuditStore } from '../../src/index.ts';
import { setup } from './fixture.ts';

interface Schema {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean;
  readonly items?: Schema;
}
interface Operation {
  readonly responses: Readonly<Record<string, unknown>>;
}

const typeOf = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v;

/** The ways `value` breaks `schema` (the keywords the Problem schema uses), at JSON paths. */
function breaches(schema: Schema, value: unknown, at = '$'): string[] {
  const out: string[] = [];
  if (schema.type !== undefined) {
    const allowed = [schema.type].flat();
    const t = typeOf(value);
    if (!allowed.includes(t) && !(t === 'integer' && allowed.includes('number')))
      return [`${at} is ${t}, not ${allowed.join('|')}`];
  }
  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>;
    for (const r of schema.required ?? []) if (!(r in obj)) out.push(`${at}.${r} is missing`);
    for (const [k, v] of Object.entries(obj)) {
      const sub = schema.properties?.[k];
      if (sub) out.push(...breaches(sub, v, `${at}.${k}`));
      else if (schema.additionalProperties === false) out.push(`${at}.${k} is not in the schema`);
    }
  }
  if (Array.isArray(value) && schema.items)
    value.forEach((v, i) => out.push(...breaches(schema.items!, v, `${at}[${i}]`)));
  return out;
}

describe('the OpenAPI document says what the handler answers', () => {
  it('every status is declared for its operation, and every problem fits Problem', async () => {
    const w = setup({ auditStore: memoryAuditStore() });
    const doc = (await (await w.call('GET', '/openapi.json', { as: null })).json()) as {
      paths: Record<string, Record<string, Operation>>;
      components: { schemas: Record<string, Schema> };
    };
    const problem = doc.components.schemas['Problem']!;
    const { record } = await w.create();
    const manager = await w.create({ label: 'manager', scopes: ['manage'] });
    const reader = await w.create({ label: 'reader', scopes: ['read'] });
    const found: string[] = [];
    const seen = new Set<number>();
    const check = async (method: string, path: string, o: Parameters<typeof w.call>[2] = {}) => {
      const res = await w.call(method, path, o);
      seen.add(res.status);
      const template = `/api/tokens${path.split('?')[0]!.replace(record.id, '{id}')}`;
      const op = doc.paths[template]?.[method.toLowerCase()];
      const what = `${method} ${template} ${res.status}`;
      if (!op?.responses[String(res.status)]) found.push(`${what} is not declared`);
      if (res.headers.get('content-type') === 'application/problem+json')
        found.push(...breaches(problem, await res.json()).map((b) => `${what}: ${b}`));
    };
    const callers: Parameters<typeof w.call>[2][] = [
      {}, // alice's session
      { as: null, origin: null, bearer: manager.token },
      { as: null, origin: null, bearer: reader.token }, // a token without the management scope: 403
    ];
    for (const o of callers) {
      await check('GET', `/tokens/${record.id}?x=1`, o);
      await check('GET', '/scopes?x=1', o);
      await check('GET', '/tokens', o);
      await check('GET', `/tokens/${record.id}`, o);
      await check('GET', `/tokens/${record.id}/activity`, o);
      await check('GET', '/scopes', o);
      await check('POST', '/tokens/revoke-all', {
        ...o,
        body: { target: { ownerId: 'alice' }, reason: 'shown 99', expectCount: 99 },
      });
    }
    // A bearer token over its rate limit: the contract's 429, on a read and on a write.
    for (let i = 0; i < 70; i++) await w.call('GET', '/scopes', callers[1]);
    await check('GET', '/tokens', callers[1]);
    await check('POST', `/tokens/${record.id}/revoke`, { ...callers[1], body: {} });
    expect(found).toEqual([]);
    // The refusals aimed at did happen, so the check above covered them.
    expect([400, 403, 409, 429].filter((s) => !seen.has(s))).toEqual([]);
  });
});
