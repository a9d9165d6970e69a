/**
 * The one-time reveal: a secret appears only in the 201 answers of create and rotate. No other
 * answer, no audit event and no log line holds a secret or its hash, even when a caller pastes
 * one into a label, a reason, a field name or a request id.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { createManagementClient, ManagementError } from '../../src/client/index.ts';
import { setup } from './fixture.ts';

afterEach(() => vi.restoreAllMocks());

describe('secrets of the management API', () => {
  test('only the 201s of create and rotate hold a secret', async () => {
    const logged: string[] = [];
    for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const)
      vi.spyOn(console, m).mockImplementation((...a: unknown[]) => void logged.push(a.map(String).join(' ')));
    const events: unknown[] = [];
    const s = setup({ auditStore: { query: () => ({ events, nextCursor: null }) } });
    const others: string[] = [];
    const record = async (res: Response) => {
      const text = await res.text();
      others.push(text, JSON.stringify([...res.headers]));
      return text;
    };
    const created = await s.call('POST', '/tokens', { body: { label: 'ci', scopes: ['read', 'manage'] } });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const { token: first, record: r } = (await created.json()) as { token: string; record: { id: string } };
    const rotated = await s.call('POST', `/tokens/${r.id}/rotate`, { body: { graceMs: 1000 } });
    expect(rotated.status).toBe(201);
    expect(rotated.headers.get('cache-control')).toBe('no-store');
    const { token: second, record: r2 } = (await rotated.json()) as { token: string; record: { id: string } };
    const secrets = [first, second];
    const hashes = await Promise.all([r.id, r2.id].map(async (id) => (await s.store.get(id))!.hash));

    // Every other route, including ones a careless caller feeds the secret into.
    await record(await s.call('GET', '/tokens?status=all'));
    await record(await s.call('GET', `/tokens/${r2.id}`));
    await record(await s.call('GET', `/tokens?q=${encodeURIComponent(first)}`));
    await record(
      await s.call('PATCH', `/tokens/${r2.id}`, { body: { label: `pasted ${second}`, metadata: { note: first } } }),
    );
    await record(await s.call('POST', '/tokens', { body: { label: 'x', [first]: 1 } }));
    await record(await s.call('POST', '/tokens', { body: { label: second, scopes: [first] } }));
    await record(await s.call('GET', `/tokens/${first}`));
    await record(await s.call('GET', `/tokens?${encodeURIComponent(second)}=1`));
    await record(
      await s.call('POST', `/tokens/${r2.id}/revoke`, {
        body: { reason: `leaked: ${second}` },
        headers: { 'x-request-id': second.slice(0, 128) },
      }),
    );
    await record(await s.call('POST', '/tokens', { as: null, bearer: second, body: { label: 'after revoke' } }));
    await record(
      await s.call('POST', '/tokens/revoke-all', {
        body: { target: { ownerId: 'alice' }, reason: first, expectCount: 0 },
      }),
    );
    await record(await s.call('POST', '/tokens/revoke-all', { body: { target: { ownerId: 'alice' }, reason: first } }));
    events.push(...s.sink.events);
    await record(await s.call('GET', `/tokens/${r.id}/activity`));
    await record(await s.call('GET', '/scopes'));
    await record(await s.call('GET', '/openapi.json'));
    await s.keycard.close();

    const haystacks = {
      responses: others.join('\n'),
      events: JSON.stringify(s.sink.events),
      logs: [...logged, ...s.logs].join('\n'),
    };
    expect(s.sink.events.length).toBeGreaterThan(4);
    for (const [where, text] of Object.entries(haystacks)) {
      for (const secret of [...secrets, ...hashes])
        expect(text.includes(secret), `${where} holds a secret`).toBe(false);
    }
  });

  test('keycard/client: typed calls and ManagementError with code, status and field errors', async () => {
    const s = setup();
    const api = createManagementClient({
      baseUrl: 'http://app.test/api/tokens',
      headers: { cookie: 'sid=alice', origin: 'http://app.test' },
      fetch: (input, init) => s.handler(new Request(input, init)),
    });
    const { token, record } = await api.create({ label: 'from client', scopes: ['read'], expiresIn: '30d' });
    expect(token).toMatch(/^acme_sk_/);
    expect((await api.list()).data.map((t) => t.id)).toEqual([record.id]);
    expect((await api.get(record.id)).label).toBe('from client');
    expect((await api.update(record.id, { label: 'renamed' })).label).toBe('renamed');
    const rotated = await api.rotate(record.id, { graceMs: 0 });
    expect(rotated.previous.id).toBe(record.id);
    expect((await api.revoke(rotated.record.id, { reason: 'done' })).status).toBe('revoked');
    expect((await api.scopes()).scopes.map((x) => x.name)).toContain('read');
    const err = await api.create({ label: '', scopes: ['nope'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ManagementError);
    expect(err).toMatchObject({ code: 'invalid_request', status: 400 });
    expect((err as ManagementError).errors.map((e) => e.field).sort()).toEqual(['label']);
    const conflict = await api
      .revokeAll({ target: { ownerId: 'alice' }, reason: 'x', expectCount: 5 })
      .catch((e: unknown) => e);
    // actual 0: the rotated-away token is expired (graceMs 0), not revoked, and revoke-all counts live tokens only
    expect(conflict).toMatchObject({ code: 'count_changed', status: 409, problem: { expected: 5, actual: 0 } });
    await expect(api.get('tok_missing')).rejects.toMatchObject({ code: 'not_found', status: 404 });
    await expect(api.activity(record.id)).rejects.toMatchObject({ code: 'not_implemented', status: 501 });
  });
});
