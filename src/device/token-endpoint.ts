/**
 * The program's side of a device login: `POST /device/code` starts it (RFC 8628 §3.1–3.2) and
 * `POST /device/token` polls it (§3.4–3.5). A poll faster than `interval` gets `slow_down` and the
 * interval grows by 5 s; an answered grant is taken from the store by exactly one poll, so a
 * device code yields at most one token; the token is issued at that moment, so no secret waits
 * in the store.
 */
import { isKeycardError } from '../core/errors.ts';
import { excerpt } from '../core/redact.ts';
import { parseRestrictions, restrictionIdsProblem, type Hierarchy, type Restrictions } from '../core/restrictions.ts';
import { hashDeviceCode, newDeviceCode, newGrantId, newUserCode, displayUserCode } from './codes.ts';
import { formBody, json, lifetimeMs, oauthError, requestIdOf, sentTwice, type DeviceContext } from './context.ts';
import { unavailableJson } from './failure.ts';
import { repeatedNames } from '../manage/json-keys.ts';
import type { PendingGrant } from './grant-store.ts';
import { isArray } from '../core/builtins.ts';

const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';
const PRINTABLE = /^[\x20-\x7E]+$/;
const PRUNE_EVERY_MS = 60_000;

/** The refusal of a request that sends one of `names` more than once (RFC 6749 §5.2: `invalid_request`), else null. */
function repeated(form: URLSearchParams, names: readonly string[]): Response | null {
  const twice = sentTwice(form, names);
  return twice.length === 0
    ? null
    : oauthError('invalid_request', `Parameters sent more than once: ${twice.join(', ')}`);
}

/** A parameter's value; null when it is absent or sent without a value (RFC 6749 §3.1, §3.2: as if omitted). */
const valueOf = (form: URLSearchParams, name: string): string | null => {
  const value = form.get(name);
  return value === null || value === '' ? null : value;
};

/** `a`, `a and b`, `a, b and c`. */
const listed = (names: readonly string[]): string =>
  names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)!}`;

/** `POST /device/code`. */
export async function startLogin(ctx: DeviceContext, request: Request, lastPrune: { at: number }): Promise<Response> {
  const form = await formBody(request);
  if (!(form instanceof URLSearchParams)) return oauthError('invalid_request', form.detail);
  const twice = repeated(form, ['client_id', 'host', 'scope', 'restrictions', 'token_lifetime']);
  if (twice) return twice;
  const clientName = (form.get('client_id') ?? '').trim();
  if (clientName.length === 0 || clientName.length > 64 || !PRINTABLE.test(clientName))
    return oauthError('invalid_request', 'client_id must be 1 to 64 printable characters');
  // RFC 6749 §3.1, §3.2: a parameter sent without a value is treated as omitted.
  const host = (valueOf(form, 'host') ?? 'an unnamed host').trim();
  if (host.length === 0 || host.length > 128 || !PRINTABLE.test(host))
    return oauthError('invalid_request', 'host must be 1 to 128 printable characters');
  const catalogue = ctx.keycard.scopes;
  const requested = valueOf(form, 'scope');
  const scopes =
    requested === null ? [...catalogue.defaults] : [...new Set(requested.split(' ').filter((s) => s.length > 0))];
  const unknown = scopes.filter((s) => !catalogue.has(s));
  if (unknown.length > 0) return oauthError('invalid_scope', `Unknown scope: ${excerpt(unknown.join(', '), 200)}`);
  if (scopes.length === 0) return oauthError('invalid_scope', 'Name at least one scope');
  const asked = parseRestrictionsParam(form.get('restrictions'), ctx.hierarchy);
  if ('error' in asked) return oauthError('invalid_request', asked.error);
  const { restrictions } = asked;
  const lifetime = parseLifetime(form.get('token_lifetime'), ctx.defaultTokenLifetimeMs);
  if (lifetime === undefined)
    return oauthError(
      'invalid_request',
      "token_lifetime must be 'never', '30d', '90d', '365d' or whole seconds from 1 to 9999999999",
    );

  const now = ctx.keycard.clock.now();
  if (now - lastPrune.at >= PRUNE_EVERY_MS) {
    lastPrune.at = now;
    // Expired grants answer `expired_token` for a few minutes, then `invalid_grant`.
    void ctx.store.prune(now - 300_000).catch(() => {});
  }
  const deviceCode = newDeviceCode();
  const grant: PendingGrant = {
    deviceCodeHash: hashDeviceCode(deviceCode),
    id: newGrantId(),
    userCode: newUserCode(),
    clientName,
    host,
    scopes,
    restrictions,
    tokenLifetimeMs: lifetime,
    createdAt: now,
    expiresAt: now + ctx.codeLifetimeMs,
    interval: ctx.interval,
    lastPolledAt: null,
    status: 'pending',
    decidedBy: null,
    approverScopes: null,
    grantedScopes: null,
    tokenExpiresAt: null,
    version: 1,
  };
  // A user-code collision (20⁸ codes) is retried with a fresh one. The write is the last store
  // call: no read after it, so a store failing now cannot leave a grant behind a 503.
  let userCode = grant.userCode;
  let stored = await ctx.store.create(grant);
  for (let i = 0; !stored && i < 3; i++) {
    userCode = newUserCode();
    stored = await ctx.store.create({ ...grant, userCode });
  }
  // Still refused: the memory store is full (`maxGrants`), or codes keep colliding.
  if (!stored) return unavailableJson(ctx.interval);
  await ctx.keycard.recordAudit({
    type: 'device.requested',
    tokenId: null,
    label: labelOf(grant),
    ownerId: null,
    workspaceId: null,
    actor: { kind: 'system', id: null },
    grantId: grant.id,
    scopes,
    requestId: requestIdOf(request),
  });
  const uri = verificationUri(ctx, request);
  const code = displayUserCode(userCode);
  return json(200, {
    device_code: deviceCode,
    user_code: code,
    verification_uri: uri,
    verification_uri_complete: withUserCode(uri, code),
    expires_in: Math.round(ctx.codeLifetimeMs / 1000),
    interval: ctx.interval,
  });
}

/** `POST /device/token`. */
export async function pollLogin(ctx: DeviceContext, request: Request): Promise<Response> {
  const form = await formBody(request);
  if (!(form instanceof URLSearchParams)) return oauthError('invalid_request', form.detail);
  const twice = repeated(form, ['grant_type', 'device_code', 'client_id']);
  if (twice) return twice;
  // RFC 6749 §5.2: a missing grant_type (or one sent without a value, §3.2) is a missing
  // required parameter, invalid_request; only a grant type named and not served is unsupported.
  const grantType = valueOf(form, 'grant_type');
  if (grantType !== null && grantType !== GRANT_TYPE)
    return oauthError('unsupported_grant_type', `grant_type must be ${GRANT_TYPE}`);
  const deviceCode = form.get('device_code') ?? '';
  // RFC 8628 §3.4 requires `client_id` of a client that does not authenticate (every CLI: a
  // public client), as RFC 6749 §4.1.3 does for the code grant. Refused before the store is
  // read, so the grant is not touched.
  const client = (form.get('client_id') ?? '').trim();
  const missing = [
    ...(grantType === null ? ['grant_type'] : []),
    ...(deviceCode.length === 0 || deviceCode.length > 100 ? ['device_code'] : []),
    ...(client.length === 0 ? ['client_id'] : []),
  ];
  if (missing.length > 0)
    return oauthError('invalid_request', `${listed(missing)} ${missing.length > 1 ? 'are' : 'is'} missing`);
  const hash = hashDeviceCode(deviceCode);
  const grant = await ctx.store.get(hash);
  if (grant === null) return oauthError('invalid_grant', 'Unknown or already used device code');
  // RFC 6749 §5.2: a code issued to another client is invalid_grant; the grant is left as it was.
  if (client !== grant.clientName) return oauthError('invalid_grant', 'This device code was issued to another client');
  const now = ctx.keycard.clock.now();
  if (now >= grant.expiresAt) return oauthError('expired_token', 'The device code expired; start the login again');
  if (grant.status === 'denied') {
    await ctx.store.take(hash);
    return oauthError('access_denied', 'The login was denied');
  }
  if (grant.status === 'approved') return issueFor(ctx, hash, requestIdOf(request));
  const tooSoon = grant.lastPolledAt !== null && now - grant.lastPolledAt < grant.interval * 1000;
  let interval = tooSoon ? grant.interval + 5 : grant.interval;
  const updated = await ctx.store.update(hash, grant.version, { lastPolledAt: now, interval });
  // A concurrent poll changed the grant first: two polls at once are polling too fast, and
  // slow_down raises the interval by 5 s for every later request (RFC 8628 §3.5), here too.
  if (!updated && !tooSoon) {
    const fresh = await ctx.store.get(hash);
    interval = (fresh ?? grant).interval + 5;
    if (fresh?.status === 'pending') await ctx.store.update(hash, fresh.version, { interval });
  }
  if (tooSoon || !updated) return oauthError('slow_down', `Poll at most every ${interval} seconds`, { interval });
  return oauthError('authorization_pending', 'Waiting for the person to approve in the browser');
}

async function issueFor(ctx: DeviceContext, hash: string, requestId: string): Promise<Response> {
  const grant = await ctx.store.take(hash);
  if (grant === null || grant.status !== 'approved')
    return oauthError('invalid_grant', 'Unknown or already used device code');
  try {
    // As of the approval: a revokeAll of the approver since then ("member left") covers it.
    const { token, record } = await ctx.issueAsOf(
      {
        ownerId: grant.decidedBy!,
        label: labelOf(grant),
        scopes: grant.grantedScopes!,
        restrictions: grant.restrictions,
        ...(grant.tokenExpiresAt === null ? { expiresIn: 'never' as const } : { expiresAt: grant.tokenExpiresAt }),
        metadata: { via: 'device', client: grant.clientName, host: grant.host, grantId: grant.id },
        actor: { kind: 'user', id: grant.decidedBy!, scopes: grant.approverScopes!, requestId },
      },
      grant.decidedAt ?? grant.createdAt,
    );
    const now = ctx.keycard.clock.now();
    return json(200, {
      access_token: token,
      token_type: 'Bearer',
      ...(record.expiresAt === null ? {} : { expires_in: Math.max(0, Math.floor((record.expiresAt - now) / 1000)) }),
      scope: record.scopes.join(' '),
      token_id: record.id,
    });
  } catch (error) {
    if (isKeycardError(error) && error.code === 'unavailable') {
      ctx.report(error);
      await putBack(ctx, grant);
      return unavailableJson(ctx.interval);
    }
    return oauthError('access_denied', 'The approved grant could not be issued; start the login again');
  }
}

/**
 * An approved grant whose token could not be issued for now goes back to the store, so the
 * program's next poll tries again instead of the person approving twice. Its version goes on from
 * the one it was taken at (never back to 1): an approve or deny that read the grant while it was
 * pending compares-and-sets on an older version, and must lose, not land over the approval that
 * the person was already told went through. Best effort: if the
 * store is down too, the grant is lost (reported: the person must approve again) and the next
 * poll says `invalid_grant`.
 */
async function putBack(ctx: DeviceContext, grant: PendingGrant): Promise<void> {
  try {
    await ctx.store.create({ ...grant, version: grant.version + 1 });
  } catch (error) {
    // The grant store is down as well: the poll still answers 503, the login must start again.
    ctx.report(error);
  }
}

/** `<client name> on <host>`: the token's label and the audit events' label. */
export const labelOf = (grant: Pick<PendingGrant, 'clientName' | 'host'>): string =>
  `${grant.clientName} on ${grant.host}`;

function verificationUri(ctx: DeviceContext, request: Request): string {
  return ctx.options.verificationUri ?? `${new URL(request.url).origin}${ctx.base}/device`;
}

/**
 * `uri` with `user_code=<code>` as one more query parameter (RFC 8628 §3.2, RFC 3986 §3.4–3.5): after
 * the query the URI has (`?via=cli&user_code=…`; a second `?` would make it part of the last
 * value), before its fragment (which the browser never sends). The code is `XXXX-XXXX` from the
 * user-code alphabet, so it needs no escaping.
 */
function withUserCode(uri: string, code: string): string {
  const hash = uri.indexOf('#');
  const head = hash === -1 ? uri : uri.slice(0, hash);
  const fragment = hash === -1 ? '' : uri.slice(hash);
  const join = !head.includes('?') ? '?' : head.endsWith('?') || head.endsWith('&') ? '' : '&';
  return `${head}${join}user_code=${code}${fragment}`;
}

const RESTRICTIONS_SHAPE = 'restrictions must be a JSON object mapping a resource type to a list of ids';

/**
 * The `restrictions` parameter, checked as `issue()` will check it (the declared resource types,
 * id lengths, storable text), so a login that cannot be issued is refused before anyone approves it;
 * and a type named twice is refused rather than read as its last mention.
 */
function parseRestrictionsParam(
  value: string | null,
  hierarchy: Hierarchy | null,
): { readonly restrictions: Restrictions | null } | { readonly error: string } {
  if (value === null || value === '') return { restrictions: null };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return { error: RESTRICTIONS_SHAPE };
  }
  if (typeof parsed !== 'object' || parsed === null || isArray(parsed)) return { error: RESTRICTIONS_SHAPE };
  // A type named twice: JSON.parse kept the last silently, so what was asked is not guessed (as a
  // form parameter sent twice, or a JSON member twice in a management body, is refused).
  const twice = repeatedNames(value, Number.POSITIVE_INFINITY) ?? [];
  // Named as the other refusals name a type: masked (a token pasted as a type) and bounded.
  if (twice.length > 0) return { error: `restrictions name ${excerpt(twice.join(', '), 200)} more than once` };
  if (Object.keys(parsed).length === 0) return { restrictions: null };
  if (hierarchy === null) return { error: 'restrictions are not available: this API declares no resource types' };
  try {
    const restrictions = parseRestrictions(hierarchy, parsed);
    for (const ids of Object.values(restrictions ?? {})) {
      if (ids.length > 100) return { error: 'restrictions list at most 100 ids per resource type' };
      const problem = restrictionIdsProblem(ids);
      if (problem !== null) return { error: `restriction ${problem}` };
    }
    return { restrictions };
  } catch (error) {
    if (isKeycardError(error)) return { error: error.message.slice(0, 300) };
    throw error;
  }
}

function parseLifetime(value: string | null, fallback: number | null): number | null | undefined {
  if (value === null || value === '') return fallback;
  if (value === 'never' || value === '30d' || value === '90d' || value === '365d') return lifetimeMs(value);
  if (!/^[1-9][0-9]{0,9}$/.test(value)) return undefined;
  return Number(value) * 1000;
}
