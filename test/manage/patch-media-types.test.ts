/**
 * `PATCH /tokens/:id` takes one patch format: a JSON object of the members to set
 * (`application/json`), which its `Accept-Patch` names. A patch document's meaning is its media
 * type's (RFC 5789 §2), so a body sent as JSON Merge Patch (RFC 7396: `null` removes a member,
 * objects merge) or JSON Patch (RFC 6902: a list of operations) must not be applied as ours:
 * `{"metadata":{"b":null}}` as merge patch asks to drop `b` and keep the rest, and applied as a
 * replacement it dropped every other key. Such a body is 415 with `Accept-Patch`
 * ("the client is attempting to apply a patch document in an inappropriate format", RFC 5789
 * §2.2), and the token is unchanged. Through the handler and real Express and Hono servers.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { BASE, setup } from './fixture.ts';
import { servedDuringSuite } from './servers.ts';

const w = setup();
const served = servedDuringSuite(w.handler);
let id = '';
beforeEach(async () => {
  id = (await w.create({ label: 'ci', scopes: ['read'], metadata: { a: 1, b: 2 } })).record.id;
});

/** One PATCH of `body` as `type`, through the handler, Express and Hono, as a same-origin browser of alice. */
async function patchEverywhere(type: string, body: string) {
  const send = (origin: string, fetcher: (r: Request) => Promise<Response>) =>
    fetcher(
      new Request(`${origin}${BASE}/tokens/${id}`, {
        method: 'PATCH',
        headers: { cookie: 'sid=alice', origin, 'content-type': type },
        body,
      }),
    );
  const answers = [await send('http://app.test', w.handler)];
  for (const origin of served.origins) answers.push(await send(origin, (r) => fetch(r)));
  return Promise.all(
    answers.map(async (r) => ({
      status: r.status,
      acceptPatch: r.headers.get('accept-patch'),
      code: ((await r.json()) as { code?: string }).code ?? null,
    })),
  );
}

describe('PATCH /tokens/:id in a patch format it does not implement: 415, nothing changed', () => {
  const refused = { status: 415, acceptPatch: 'application/json', code: 'unsupported_media_type' };
  it.each([
    ['application/merge-patch+json', '{"metadata":{"b":null}}'],
    ['application/merge-patch+json; charset=utf-8', '{"label":"renamed"}'],
    ['application/json-patch+json', '[{"op":"remove","path":"/metadata/b"}]'],
    ['application/vnd.acme.token+json', '{"label":"renamed"}'],
  ])('%s %s', async (type, body) => {
    expect(await patchEverywhere(type, body)).toEqual([refused, refused, refused]);
    expect(await w.keycard.get(id)).toMatchObject({ label: 'ci', metadata: { a: 1, b: 2 } });
  });

  it('application/json still sets the members given (control): metadata is replaced whole', async () => {
    const seen = await patchEverywhere('application/json; charset=utf-8', '{"metadata":{"b":3}}');
    expect(seen.map((s) => s.status)).toEqual([200, 200, 200]);
    expect((await w.keycard.get(id))?.metadata).toEqual({ b: 3 });
  });
});
