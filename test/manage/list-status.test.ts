/**
 * SPEC §11 `GET /tokens`' `status` filter (`active` default, `expiring`, `revoked`, `expired`,
 * `all`) and TokenView's `status` (`active` | `expiring` | `expired` | `revoked`), one token of
 * each, through the Web handler. `active` is every live token, so the default list shows the ones
 * about to expire too (with status `expiring`); a revoked token is `revoked` even once its expiry
 * has passed (revocation wins, and it is listed under `revoked`, not `expired`).
 */
import { expect, it } from 'vitest';
import { setup } from './fixture.ts';

const DAY = 86_400_000;

it.each([
  ['', ['fresh:active', 'soon:expiring']],
  ['?status=active', ['fresh:active', 'soon:expiring']],
  ['?status=expiring', ['soon:expiring']],
  ['?status=revoked', ['revoked then expired:revoked', 'revoked:revoked']],
  ['?status=expired', ['expired:expired']],
  [
    '?status=all',
    ['expired:expired', 'fresh:active', 'revoked then expired:revoked', 'revoked:revoked', 'soon:expiring'],
  ],
])('GET /tokens%s lists exactly the tokens of that status', async (query, expected) => {
  const s = setup();
  await s.create({ label: 'fresh', scopes: ['read'], expiresIn: '90d' });
  await s.create({ label: 'soon', scopes: ['read'], expiresIn: 2 * DAY }); // within the 7-day default
  await s.create({ label: 'expired', scopes: ['read'], expiresIn: 60_000 });
  for (const label of ['revoked', 'revoked then expired']) {
    const t = await s.create({ label, scopes: ['read'], ...(label === 'revoked' ? {} : { expiresIn: 60_000 }) });
    expect((await s.call('POST', `/tokens/${t.record.id}/revoke`, { body: {} })).status).toBe(200);
  }
  s.clock.advance(120_000);
  const res = await s.call('GET', `/tokens${query}`);
  expect(res.status).toBe(200);
  const { data } = (await res.json()) as { data: { label: string; status: string }[] };
  expect(data.map((t) => `${t.label}:${t.status}`).sort()).toEqual(expected);
});
