/**
 * A token pasted as a restriction id (SPEC §4, §11, §13; "secrets never leak"): labels, reasons and
 * metadata are stored with a pasted token masked, but restriction ids were stored as given, so a
 * token pasted into the "project" field of the settings page right after copying it was kept in
 * the clear in the store and answered in every view of the token. Such an id is refused now, as
 * any other bad id: a 400 naming `restrictions` (an `invalid_argument` of `issue`/`update`, an
 * `invalid_request` of the device flow), nothing stored, the token in no answer or event.
 */
import { describe, expect, it } from 'vitest';
import { isKeycardError } from '../../src/index.ts';
import { leaks } from '../secret-encodings.ts';
import { setup as deviceSetup } from '../device-fixture.ts';
import { servedDuringSuite } from './servers.ts';
import { BASE, setup } from './fixture.ts';

const world = setup();
const served = servedDuringSuite(world.handler);

describe('a token pasted as a restriction id is refused, not stored', () => {
  it('POST /tokens and PATCH /tokens/:id on Express and Hono: 400 naming restrictions, nothing kept', async () => {
    const pasted = await world.create({ label: 'just copied', scopes: ['read'] });
    const target = await world.create({ label: 't', scopes: ['read'], restrictions: { project: ['p1', 'p2'] } });
    for (const origin of served.origins) {
      const send = (method: string, path: string, body: unknown) =>
        fetch(`${origin}${BASE}${path}`, {
          method,
          headers: { cookie: 'sid=alice', origin, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const before = (await world.keycard.list({ ownerId: 'alice', status: 'all' })).records.length;
      for (const [method, path, body] of [
        ['POST', '/tokens', { label: 'ci', scopes: ['read'], restrictions: { project: [pasted.token] } }],
        [
          'POST',
          '/tokens',
          { label: 'ci', scopes: ['read'], restrictions: { company: ['c1'], project: [`p-${pasted.token}`] } },
        ],
        ['PATCH', `/tokens/${target.record.id}`, { restrictions: { project: [pasted.token] } }],
      ] as const) {
        const res = await send(method, path, body);
        const text = await res.text();
        expect(res.status, `${method} ${path} ${text}`).toBe(400);
        expect(JSON.parse(text)).toMatchObject({ code: 'invalid_request', errors: [{ field: 'restrictions' }] });
        expect(leaks(text, pasted.token)).toBeNull();
      }
      const all = (await world.keycard.list({ ownerId: 'alice', status: 'all' })).records;
      expect(all).toHaveLength(before);
      expect(leaks(JSON.stringify(all), pasted.token)).toBeNull();
    }
    expect(leaks(JSON.stringify(world.sink.events) + world.logs.join('\n'), pasted.token)).toBeNull();
  });

  it('issue() and update() refuse it with invalid_argument naming restrictions', async () => {
    const pasted = await world.keycard.issue({ ownerId: 'bob', label: 'x', scopes: ['read'] });
    const issue = world.keycard.issue({
      ownerId: 'bob',
      label: 'y',
      scopes: ['read'],
      restrictions: { project: [` ${pasted.token} `] },
    });
    await expect(issue).rejects.toSatisfy(
      (e) => isKeycardError(e) && e.code === 'invalid_argument' && (e.fields ?? []).includes('restrictions'),
    );
    const update = world.keycard.update(pasted.record.id, { restrictions: { project: [pasted.token] } });
    await expect(update).rejects.toSatisfy((e) => isKeycardError(e) && e.code === 'invalid_argument');
    await issue.catch((e: Error) => expect(leaks(`${e.message} ${e.stack}`, pasted.token)).toBeNull());
  });

  it('ids that only look like secrets (a hex digest, a UUID) are still ids', async () => {
    const hex = 'a'.repeat(64);
    const ok = await world.create({
      label: 'h',
      scopes: ['read'],
      restrictions: { project: [hex, '123e4567-e89b-12d3-a456-426614174000'] },
    });
    expect(ok.record['restrictions']).toEqual({ project: ['123e4567-e89b-12d3-a456-426614174000', hex] });
  });

  it('POST /device/code: invalid_request before anyone is asked to approve it', async () => {
    const d = deviceSetup({ resources: ['project'] });
    const pasted = await d.keycard.issue({ ownerId: 'u', label: 'x', scopes: ['read'] });
    const res = await d.post('/code', {
      client_id: 'toado-cli',
      host: 'laptop',
      scope: 'read',
      restrictions: JSON.stringify({ project: [pasted.token] }),
    });
    const text = await res.text();
    expect(res.status, text).toBe(400);
    expect(JSON.parse(text)).toMatchObject({ error: 'invalid_request' });
    expect(leaks(text, pasted.token)).toBeNull();
  });
});
