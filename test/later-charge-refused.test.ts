/**
 * `chargeLater` (src/core/first-pass.ts) marks its audit view `allowed` before the later charge
 * runs. This pins that no refusal of that charge — rate limited, the limiter throwing or rejecting
 * with `limiterFailure: 'closed'`, the memory limiter full (which fails closed even when 'open') —
 * leaves anything allowed that is read afterwards: the answer is the refusal (429/503, no
 * identity, the handler never runs), the audit has the first check's `request.allowed` and the
 * later check's `request.denied` only (no second or degraded allowed event), and a further check
 * of the same request answers the same refusal and writes nothing. Real Express 5 server.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createKeycard,
  memoryAuditSink,
  type AuthResult,
  type LimiterStore,
  type RequestAuditEvent,
} from '../src/index.ts';
import { expressGuard } from '../src/adapters/express.ts';
import { limiterFailing, scopes, SPLIT } from './later-charge-fixture.ts';

/** The memory limiter, its write charges failing as `how` says ('none': never). */
function limiter(how: 'none' | 'throw' | 'reject' | 'full'): LimiterStore {
  // maxTrackedTokens 1: the read key fills it, so the write key is refused as `limiter_full`.
  return how === 'full' ? limiterFailing('write', 'none', { maxTrackedTokens: 1 }) : limiterFailing('write', how);
}

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

async function setup(how: 'none' | 'throw' | 'reject' | 'full', limiterFailure: 'open' | 'closed') {
  const audit = memoryAuditSink();
  const keycard = createKeycard({
    prefix: 'acme',
    scopes,
    rateLimit: SPLIT,
    limiter: limiter(how),
    limiterFailure,
    audit,
    onError: () => {},
    onWarning: () => {},
  });
  const { token } = await keycard.issue({ ownerId: 'u1', label: 'agent', scopes: ['export'] });
  const guard = expressGuard(keycard);
  const ran: unknown[] = [];
  const app = express();
  app.use('/api', guard());
  app.get('/api/export', guard({ scope: 'export', class: 'write' }), (req, res) => {
    ran.push((req as { keycard?: { label: string } }).keycard?.label);
    res.json({ ok: true });
  });
  await new Promise<void>((resolve) => (server = app.listen(0, '127.0.0.1', () => resolve())));
  const base = `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
  const get = async () => {
    const res = await fetch(`${base}/api/export`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as { code?: string };
    return [res.status, body.code ?? null];
  };
  // Denials are coalesced until their second ends (docs/audit.md#coalescing): flushed first.
  const events = async () =>
    (await keycard.flush(), audit.events.filter((e) => e.type.startsWith('request.')) as RequestAuditEvent[]).map(
      (e) => [e.type, e.reason ?? null, e.degraded ?? false],
    );
  return { keycard, token, get, events, ran };
}

describe('a later charge that refuses leaves nothing allowed that is read afterwards', () => {
  it('rate limited: 429, the handler not run, allowed (first check) then denied, nothing degraded', async () => {
    const s = await setup('none', 'closed');
    expect(await s.get()).toEqual([200, null]);
    expect(await s.get()).toEqual([429, 'rate_limited']);
    expect(s.ran).toEqual(['agent']); // the first request only
    expect(await s.events()).toEqual([
      ['request.allowed', null, false],
      ['request.allowed', null, false],
      ['request.denied', 'rate_limited', false],
    ]);
    await s.keycard.close();
  });

  // A throwing or rejecting limiter under 'closed', and a full memory limiter, which fails closed
  // even under 'open' (admitting would drop the limit for everyone).
  it.each([
    ['throw', 'closed'],
    ['reject', 'closed'],
    ['full', 'open'],
  ] as const)(
    'limiter %s, limiterFailure %s: 503, the handler not run, no degraded allowed event',
    async (how, failure) => {
      const s = await setup(how, failure);
      expect(await s.get()).toEqual([503, 'unavailable']);
      expect(s.ran).toEqual([]);
      expect(await s.events()).toEqual([
        ['request.allowed', null, false],
        ['request.denied', 'unavailable', false],
      ]);
      await s.keycard.close();
    },
  );

  it.each([
    ['none', 'closed', 429],
    ['throw', 'closed', 503],
    ['reject', 'closed', 503],
    ['full', 'open', 503],
  ] as const)(
    '%s (%s): the refusal carries no identity, and a further check of the request repeats it, writing nothing',
    async (how, failure, status) => {
      const s = await setup(how, failure);
      const statusOf = (r: AuthResult<string>) => (r.ok ? 200 : 'status' in r ? r.status : 'skip');
      if (how === 'none') await s.get(); // spend the write budget
      const before = (await s.events()).length;
      const request = new Request('http://localhost/api/export', { headers: { authorization: `Bearer ${s.token}` } });
      const first = await s.keycard.authenticate(request);
      const later = await s.keycard.authenticate(request, { class: 'write' });
      const again = await s.keycard.authenticate(request, { class: 'write' });
      const plain = await s.keycard.authenticate(request);
      expect([statusOf(first), statusOf(later), statusOf(again), statusOf(plain)]).toEqual([
        200,
        status,
        status,
        status,
      ]);
      expect(['identity' in later, 'identity' in again]).toEqual([false, false]);
      expect((await s.events()).slice(before)).toEqual([
        ['request.allowed', null, false],
        ['request.denied', status === 429 ? 'rate_limited' : 'unavailable', false],
      ]);
      await s.keycard.close();
    },
  );
});
