/**
 * The person's side of a device login: `GET /device` (enter the code, then review the request)
 * and `POST /device/approve` / `/device/deny`. Session-authorized through `options.authorize`;
 * the POSTs are CSRF-checked like every session write of SPEC §11; wrong user codes count
 * against the session (`EntryLimit`). Approval is bounded by the approver's own scopes.
 */
import { redact } from '../core/redact.ts';
import { isUserActor, userActorRule } from '../core/user-actor.ts';
import type { Actor } from '../keycard.ts';
import { normalizeUserCode } from './codes.ts';
import { formBody, html, requestIdOf, sentTwice, type DeviceContext } from './context.ts';
import type { PendingGrant, PendingGrantPatch } from './grant-store.ts';
import { failed } from './failure.ts';
import { callHook } from './guard.ts';
import { updateWatched } from './late-answer.ts';
import { approvalForm, entryForm, layout, message, type ExpiryChoice } from './page.ts';
import { labelOf } from './token-endpoint.ts';

type UserActor = Extract<Actor, { kind: 'user' }>;
const DAY = 86_400_000;
const EXPIRY_DAYS = [1, 7, 30, 90, 365];
const page = (ctx: DeviceContext, status: number, title: string, body: string, headers?: Record<string, string>) =>
  html(status, layout(title, body, ctx.options.css), headers);

/**
 * The signed-in person, or the answer to give instead (sign in first; only people approve). A
 * throwing `authorize`, or one unanswered after the keycard's `storeTimeoutMs`, is an outage of the
 * session (503), and a malformed person (see `isUserActor`) a bug (500), as in the management handler.
 */
async function person(ctx: DeviceContext, request: Request): Promise<UserActor | Response> {
  const actor = await callHook('authorize()', () => ctx.options.authorize(request), ctx.timeoutMs);
  if (actor === null || actor === undefined) {
    if (ctx.options.loginUrl !== undefined && (request.method === 'GET' || request.method === 'HEAD')) {
      const url = new URL(request.url);
      return new Response(null, {
        status: 303,
        headers: {
          Location: `${ctx.options.loginUrl}${ctx.options.loginUrl.includes('?') ? '&' : '?'}next=${encodeURIComponent(url.pathname + url.search)}`,
          'Cache-Control': 'no-store',
        },
      });
    }
    // RFC 9110 §15.5.2: a 401 MUST carry a WWW-Authenticate challenge.
    const text = message(`Sign in to ${ctx.appName}, then open this page again.`, 'alert');
    return html(401, layout('Sign in to continue', text, ctx.options.css), { 'WWW-Authenticate': ctx.challenge });
  }
  if (actor.kind !== 'user')
    return page(ctx, 403, 'Not allowed', message('Only a signed-in person can approve a device login.', 'alert'));
  // An id no store keeps (or no scopes) is the integrator's bug: a 500 page and a report, before
  // the person is told anything was approved (the poll could not issue the token).
  if (!isUserActor(actor)) throw new TypeError(userActorRule());
  return actor;
}

/**
 * The grant as a page shows it: what the program calls itself (`client_id`) and its host are
 * self-reported, so a token sent there is masked as the audit events' label masks it (`redact`).
 * Stored as sent: the program's polls must match its `client_id`.
 */
const shown = (grant: PendingGrant): PendingGrant => ({
  ...grant,
  clientName: redact(grant.clientName),
  host: redact(grant.host),
});

/**
 * The pending grant a typed code names, as the pages show it ({@link shown}), entered against the
 * session's limit (entry-limit.ts): the seconds to wait when the session has no entry left;
 * `'answered'` for a live code whose login was already answered (another window, a double click:
 * not a wrong entry); null, counted, for anything else. The entry counts from before the lookup, so guesses sent at once cannot all pass the check
 * while the first lookups are in flight; a right code, or a lookup that failed (a 503), is forgiven.
 */
async function lookUp(
  ctx: DeviceContext,
  key: string,
  input: unknown,
): Promise<PendingGrant | 'answered' | null | number> {
  const now = ctx.keycard.clock.now();
  const wait = ctx.entries.enter(key, now);
  if (wait > 0) return wait;
  const code = normalizeUserCode(input);
  let grant: PendingGrant | null;
  try {
    grant = code === null ? null : await ctx.store.getByUserCode(code);
  } catch (e) {
    ctx.entries.forgive(key, now);
    throw e;
  }
  if (grant === null || now >= grant.expiresAt) return null;
  ctx.entries.forgive(key, now);
  return grant.status !== 'pending' ? 'answered' : shown(grant);
}

/** The entry limit's 429, with `Retry-After` (RFC 9110 §10.2.3): the seconds until the oldest wrong entry leaves the window. */
const throttled = (ctx: DeviceContext, seconds: number) =>
  page(
    ctx,
    429,
    'Too many attempts',
    message(`Too many wrong codes. Try again in ${Math.ceil(seconds / 60)} minute(s).`, 'alert'),
    { 'Retry-After': String(seconds) },
  );

const CONFIRM_NOTE = 'Check that this is the code shown in your terminal, then continue.';

/**
 * What goes back into the code box: the first 12 characters typed, unless they hold a `_`. A
 * token's secret part starts after its second `_` (`toado_sk_…`), so a token pasted by mistake,
 * or its head, is never put back; a user code has no `_` to lose (the terminal shows `XXXX-XXXX`).
 */
const echo = (typed: string): string => {
  const head = typed.slice(0, 12);
  return head.includes('_') ? '' : head;
};

/**
 * A browser says the request came from another site (a link, an image, a redirect elsewhere):
 * such a GET carries the person's cookie but not their intent. Looking its code up would let any
 * page spend the person's wrong-entry budget (five and they are locked out of their real code)
 * and probe codes; so it gets the entry form filled in, and the person's own click continues.
 * `none` (typed, or opened from the terminal) and no header (older browsers) go on as before.
 */
const fromAnotherSite = (request: Request): boolean => {
  const site = request.headers.get('sec-fetch-site');
  return site === 'cross-site' || site === 'same-site';
};

/** `GET /device[?user_code=…]`. */
export async function showPage(ctx: DeviceContext, request: Request): Promise<Response> {
  const actor = await person(ctx, request);
  if (actor instanceof Response) return actor;
  const action = `${ctx.base}/device`;
  const query = new URL(request.url).searchParams;
  const typed = query.get('user_code');
  if (typed === null) return page(ctx, 200, 'Connect a device', entryForm(action, null));
  // As the form's POST: which of two codes a link meant is not guessed, nor a wrong entry counted.
  if (sentTwice(query, ['user_code']).length > 0)
    return page(ctx, 400, 'Connect a device', entryForm(action, 'Fields sent more than once: user_code'));
  if (fromAnotherSite(request))
    return page(ctx, 200, 'Connect a device', entryForm(action, null, echo(typed), CONFIRM_NOTE));
  const key = await sessionKey(ctx, request, actor);
  const grant = await lookUp(ctx, key, typed);
  if (typeof grant === 'number') return throttled(ctx, grant);
  if (grant === 'answered') return changed(ctx);
  if (grant === null)
    return page(
      ctx,
      400,
      'Connect a device',
      entryForm(action, 'That code is not valid or has expired. Check the code in your terminal.', echo(typed)),
    );
  return page(ctx, 200, `Approve ${grant.clientName}?`, approval(ctx, grant, actor, null));
}

function approval(ctx: DeviceContext, grant: PendingGrant, actor: UserActor, error: string | null): string {
  const catalogue = ctx.keycard.scopes;
  const held = catalogue.closure(actor.scopes);
  return approvalForm({
    grant,
    appName: ctx.appName,
    approveAction: `${ctx.base}/device/approve`,
    denyAction: `${ctx.base}/device/deny`,
    scopes: grant.scopes.map((name) => ({
      name,
      description: catalogue.has(name) ? (catalogue.definitions[name]?.description ?? '') : '',
      grantable: catalogue.isWithin([name], held),
    })),
    expiries: expiryChoices(grant),
    error,
  });
}

/** Requested lifetime first (selected), then every shorter preset; never longer than asked. */
function expiryChoices(grant: PendingGrant): ExpiryChoice[] {
  const asked = grant.tokenLifetimeMs;
  const choices: ExpiryChoice[] = [];
  if (asked === null) choices.push({ value: 'never', label: 'Never (as requested)', selected: true });
  for (const days of [...EXPIRY_DAYS].reverse()) {
    const ms = days * DAY;
    if (asked !== null && ms > asked) continue;
    choices.push({
      value: `${days}d`,
      label: `In ${days} day${days === 1 ? '' : 's'}${ms === asked ? ' (as requested)' : ''}`,
      selected: ms === asked,
    });
  }
  if (asked !== null && !EXPIRY_DAYS.some((d) => d * DAY === asked)) {
    choices.unshift({
      value: 'asked',
      label: `In ${Math.max(1, Math.round(asked / 3_600_000))} hour(s) (as requested)`,
      selected: true,
    });
  }
  return choices;
}

/** The chosen lifetime in ms (null = never), or undefined when it is not one offered. */
function chosenLifetime(grant: PendingGrant, value: string | null): number | null | undefined {
  const offered = expiryChoices(grant).find((c) => c.value === value);
  if (offered === undefined) return undefined;
  if (offered.value === 'never') return null;
  if (offered.value === 'asked') return grant.tokenLifetimeMs;
  return Number.parseInt(offered.value, 10) * DAY;
}

/**
 * CSRF (SPEC §11): a session write must come from an allowed origin (`Origin` in
 * `allowedOrigins`, default the request's own) or say `Sec-Fetch-Site: same-origin`.
 */
function sameOrigin(ctx: DeviceContext, request: Request): boolean {
  if (request.headers.get('sec-fetch-site') === 'same-origin') return true;
  const origin = request.headers.get('origin');
  if (origin === null || origin === 'null') return false;
  const allowed = ctx.options.allowedOrigins ?? [new URL(request.url).origin];
  return allowed.some((a) => new URL(a).origin === origin);
}

/** `POST /device/approve` and `POST /device/deny`. */
export async function decide(ctx: DeviceContext, request: Request, verdict: 'approve' | 'deny'): Promise<Response> {
  if (!sameOrigin(ctx, request))
    return page(ctx, 403, 'Not allowed', message('This form must be sent from the approval page itself.', 'alert'));
  const actor = await person(ctx, request);
  if (actor instanceof Response) return actor;
  const form = await formBody(request);
  if (!(form instanceof URLSearchParams))
    return form.reason === 'too_large'
      ? page(ctx, 413, 'Form too large', message('The form is too large.', 'alert'))
      : page(ctx, 400, 'Bad request', message('Send the approval form.', 'alert'));
  // As the token endpoint does (RFC 6749 §3.1): which of two codes or expiries was meant is not
  // guessed. `scope` is one checkbox per scope, so it may come many times.
  const twice = sentTwice(form, ['user_code', 'expires']);
  if (twice.length > 0)
    return page(
      ctx,
      400,
      'Bad request',
      message(`Fields sent more than once: ${twice.join(', ')}. Send the form from the approval page.`, 'alert'),
    );
  // The management handler's `can` (SPEC §11): a person it keeps from creating tokens approves
  // none either; denying stays open to them. Asked before the code, so no entry is spent. A
  // failing `can` reported itself (context.ts), as under POST /tokens: a 503, reported once.
  if (verdict === 'approve' && ctx.mayCreate) {
    const may = await ctx.mayCreate(actor).catch(() => null);
    if (may === null) return failed(true, 'page', ctx);
    if (!may) return page(ctx, 403, 'Not allowed', message('You may not create API tokens.', 'alert'));
  }
  const key = await sessionKey(ctx, request, actor);
  const grant = await lookUp(ctx, key, form.get('user_code'));
  if (typeof grant === 'number') return throttled(ctx, grant);
  if (grant === 'answered') return changed(ctx);
  if (grant === null)
    return page(
      ctx,
      400,
      'Connect a device',
      entryForm(`${ctx.base}/device`, 'That code is not valid or has expired. Start the login again in your terminal.'),
    );
  const audit = {
    tokenId: null,
    label: labelOf(grant),
    ownerId: actor.id,
    workspaceId: null,
    actor: { kind: 'user' as const, id: actor.id },
    grantId: grant.id,
    requestId: requestIdOf(request),
  };

  if (verdict === 'deny') {
    const denied = () => ctx.keycard.recordAudit({ type: 'device.denied', ...audit });
    if (
      (await answerGrant(
        ctx,
        grant,
        { status: 'denied', decidedBy: actor.id, decidedAt: ctx.keycard.clock.now() },
        denied,
      )) === null
    )
      return changed(ctx);
    await denied();
    return page(
      ctx,
      200,
      'Login denied',
      message(`${grant.clientName} on ${grant.host} was not given access. You can close this page.`),
    );
  }

  const picked = [...new Set(form.getAll('scope'))];
  const catalogue = ctx.keycard.scopes;
  const retry = (status: number, error: string) =>
    page(ctx, status, `Approve ${grant.clientName}?`, approval(ctx, grant, actor, error));
  if (picked.length === 0) return retry(400, 'Tick at least one scope, or deny the login.');
  const extra = picked.filter((s) => !grant.scopes.includes(s));
  if (extra.length > 0) return retry(400, `Not requested by the program: ${extra.join(', ')}`);
  const beyond = picked.filter((s) => !catalogue.isWithin([s], actor.scopes));
  if (beyond.length > 0) return retry(403, `You cannot grant scopes you do not hold: ${beyond.join(', ')}`);
  const lifetime = chosenLifetime(grant, form.get('expires'));
  if (lifetime === undefined) return retry(400, 'Choose one of the offered expiries.');
  const now = ctx.keycard.clock.now();
  const approved = () => ctx.keycard.recordAudit({ type: 'device.approved', ...audit, scopes: picked });
  const patch = {
    status: 'approved' as const,
    decidedBy: actor.id,
    decidedAt: now,
    approverScopes: [...actor.scopes],
    grantedScopes: picked,
    tokenExpiresAt: lifetime === null ? null : now + lifetime,
  };
  if ((await answerGrant(ctx, grant, patch, approved)) === null) return changed(ctx);
  await approved();
  return page(
    ctx,
    200,
    'Device connected',
    message(`${grant.clientName} on ${grant.host} now has access. Return to your terminal; you can close this page.`),
  );
}

/**
 * Writes the person's answer on a grant that is still pending. The program's polls bump the
 * grant's version too (`lastPolledAt`), so a version that moved is re-read: only a grant that was
 * answered, taken or expired meanwhile makes this null ("answered in another window"). A write
 * that lands after the person was answered 503 calls `audit` then (late-answer.ts).
 */
async function answerGrant(
  ctx: DeviceContext,
  grant: PendingGrant,
  patch: PendingGrantPatch,
  audit: () => Promise<void>,
): Promise<PendingGrant | null> {
  let current = grant;
  for (let attempt = 0; attempt < 3; attempt++) {
    const updated = await updateWatched(ctx, current.deviceCodeHash, current.version, patch, audit);
    if (updated !== null) return updated;
    const fresh = await ctx.store.get(current.deviceCodeHash);
    if (fresh === null || fresh.status !== 'pending' || ctx.keycard.clock.now() >= fresh.expiresAt) return null;
    current = fresh;
  }
  return null;
}

const changed = (ctx: DeviceContext) =>
  page(
    ctx,
    409,
    'Already answered',
    message('This login was answered in another window. Check your terminal.', 'alert'),
  );

async function sessionKey(ctx: DeviceContext, request: Request, actor: UserActor): Promise<string> {
  const hook = ctx.options.sessionKey;
  return hook ? callHook('sessionKey()', () => hook(request, actor), ctx.timeoutMs) : `user:${actor.id}`;
}
