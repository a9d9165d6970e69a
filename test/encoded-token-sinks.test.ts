/**
 * Every place caller-supplied free text reaches, fed a real token in each carrier of
 * test/secret-encodings.ts (raw, percent, base64/base64url at three alignments, hex, JSON `\u00XX`,
 * HTML entities): the device login's `client_id`/`host` (approval page, `device.*` audit label, the
 * issued token's label and `metadata.client`/`host`), labels, metadata and revoke reasons
 * (stored, answered, audited), problem bodies refusing a token pasted as a workspace id or a rate
 * limit name, a problem detail echoing a resource id, and `X-Request-Id`. Nothing that comes out —
 * page, JSON body, header, audit event, log line — may carry the token in any reading.
 */
import { describe, expect, it } from 'vitest';
import { problem } from '../src/core/http.ts';
import { requestIdFrom } from '../src/adapter-kit.ts';
import { setup } from './manage/fixture.ts';
import { carriesToken, tokenCarriers } from './secret-encodings.ts';
import { deviceMaskingWorld, GRANT } from './device-masking-world.ts';

/** Each carrier of `token`, and its base64 forms after 1 and 2 bytes (the other alignments). */
const carriers = (token: string): [string, string][] => [
  ...Object.entries(tokenCarriers(token)),
  ...['x', 'xy'].flatMap((lead) =>
    Object.entries(tokenCarriers(token, lead))
      .filter(([name]) => name.startsWith('base64'))
      .map(([name, v]): [string, string] => [`${name} after ${lead.length}`, v]),
  ),
];

/** Every string in `value` (keys too), with where it was. */
function strings(value: unknown, at = '', out: [string, string][] = []): [string, string][] {
  if (typeof value === 'string') out.push([at, value]);
  else if (Array.isArray(value)) value.forEach((v, i) => strings(v, `${at}[${i}]`, out));
  else if (typeof value === 'object' && value !== null)
    for (const [k, v] of Object.entries(value)) {
      out.push([`${at}.key`, k]);
      strings(v, `${at}.${k}`, out);
    }
  return out;
}

/** No string of `value` carries `token` in any reading. */
function expectClean(value: unknown, token: string, what: string) {
  for (const [at, text] of strings(value)) expect(carriesToken(text, token), `${what} ${at}: ${text}`).toBeNull();
}

const deviceWorld = deviceMaskingWorld;

describe('device login: a token carried in client_id or host', () => {
  it('never reaches the approval page, the audit label, or the issued token’s label and metadata; the poll still works', async () => {
    const w = await deviceWorld();
    let tried = 0;
    for (const [name, carried] of carriers(w.token))
      for (const field of ['client_id', 'host'] as const) {
        if (carried.length > (field === 'client_id' ? 64 : 128)) continue;
        tried++;
        const client = field === 'client_id' ? carried : 'toado-cli';
        const form = { client_id: client, host: field === 'host' ? carried : 'laptop', scope: 'read' };
        const started = await w.post('/code', form);
        expect(started.status, `${name} in ${field}`).toBe(200);
        const a = (await started.json()) as { device_code: string; user_code: string };
        const review = await (await w.send(`?user_code=${a.user_code}`)).text();
        expect(review, `${name} in ${field}`).toContain('[redacted]');
        const done = await w.post('/approve', { user_code: a.user_code, scope: 'read', expires: '30d' });
        expect(done.status).toBe(200);
        const polled = await w.post('/token', { grant_type: GRANT, device_code: a.device_code, client_id: client });
        expect(polled.status, `${name} in ${field}`).toBe(200);
        const { token_id } = (await polled.json()) as { token_id: string };
        const record = await w.keycard.get(token_id);
        expectClean([review, await done.text(), record], w.token, `${name} in ${field}:`);
      }
    expectClean([w.audit.events, w.logs], w.token, 'audit/logs:');
    expect(tried).toBeGreaterThanOrEqual(20);
  });
});

describe('labels, metadata and reasons through the management API', () => {
  it('are stored, answered and audited with the token masked, in every carrier', async () => {
    const s = setup();
    const { token } = await s.create({ label: 'the leaked one', scopes: ['read'] });
    for (const [name, carried] of carriers(token)) {
      const label = carried.length <= 190 ? `ci ${carried}` : 'ci';
      const created = await s.call('POST', '/tokens', {
        body: {
          label,
          scopes: ['read'],
          metadata: { note: `from ${carried}`, [carried.length <= 128 ? carried : 'k']: 1 },
        },
      });
      expect(created.status, name).toBe(201);
      const { record } = (await created.json()) as { record: { id: string } };
      const patched = await s.call('PATCH', `/tokens/${record.id}`, { body: { label } });
      expect(patched.status, name).toBe(200);
      await s.keycard.revoke(record.id, { reason: `pasted ${carried}` });
      const read = await s.call('GET', `/tokens/${record.id}`);
      expectClean([record, await patched.json(), await read.json(), await s.keycard.get(record.id)], token, name);
    }
    expectClean([s.sink.events, s.logs], token, 'audit/logs:');
  });
});

describe('problem bodies and headers', () => {
  it('a token pasted as a workspace id or a rate limit name is refused (400) and not echoed', async () => {
    const s = setup();
    const { token } = await s.create({ label: 'the leaked one', scopes: ['read'] });
    for (const [name, carried] of carriers(token)) {
      for (const body of [
        { label: 'ws', scopes: ['read'], kind: 'workspace', workspaceId: carried.slice(0, 200) },
        { label: 'rl', scopes: ['read'], rateLimit: { name: carried.slice(0, 64), limit: 10, windowMs: 1000 } },
      ]) {
        const res = await s.call('POST', '/tokens', { as: 'admin', body });
        const text = await res.text();
        if (carried.length <= 64) expect(res.status, `${name}: ${text}`).toBe(400);
        expectClean([text, [...res.headers]], token, name);
      }
    }
    expectClean([s.sink.events, s.logs], token, 'audit/logs:');
  });

  it('X-Request-Id holding a token is replaced (requestIdFrom), in the audit events of a write too', async () => {
    const s = setup();
    const { token } = await s.create({ label: 'the leaked one', scopes: ['read'] });
    expect(requestIdFrom('req-42')).toBe('req-42'); // control: an ordinary id is kept
    let tried = 0;
    for (const [name, carried] of carriers(token)) {
      if (!/^[A-Za-z0-9._:-]{1,128}$/.test(carried)) continue; // any other id is replaced already
      tried++;
      expect(carriesToken(requestIdFrom(carried), token), name).toBeNull();
      const res = await s.call('POST', '/tokens', {
        body: { label: 'ci', scopes: ['read'] },
        headers: { 'x-request-id': carried },
      });
      expect(res.status).toBe(201);
      expectClean([[...res.headers]], token, name);
    }
    expect(tried).toBeGreaterThanOrEqual(6);
    expectClean([s.sink.events], token, 'audit:');
  });

  it('a problem detail echoing a resource id or a scope name masks the token', () => {
    const token = 'acme_sk_1' + 'Ab3'.repeat(12) + 'Zz';
    for (const [name, carried] of carriers(token)) {
      const forbidden = problem({ code: 'forbidden_resource', type: 'project', id: carried });
      const scope = problem({ code: 'insufficient_scope', missing: [carried] });
      // The challenge's scope= names the integrator's own required scopes, never caller text: body only.
      expectClean([forbidden, scope.body], token, name);
    }
  });
});
