/**
 * Issue 13 item 7: the core's browser/edge bundle (`export * from 'keycard'`, esbuild, minified,
 * worker condition, neutral platform, gzip -9), measured on the sources.
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script shared with bench/run.js, no declarations
import { edgeBundleSize } from '../scripts/bundle-size.mjs';

const KB = 1024;
type Size = {
  gzip: number;
  inputs: Record<string, number>;
  files: string[];
  kept: Record<string, number>;
  code: string;
};
const measure = edgeBundleSize as (o: { source: boolean; contents?: string }) => Promise<Size>;
const size = measure({ source: true });

describe('edge bundle size', () => {
  // 139.4 KB before issue 13 (a named `{ z }` import of zod pulls every locale), 70.4 KB with the
  // OpenAPI document's JSON Schema converted at runtime, 65.4 KB since it is generated at build
  // time, 64.2 KB with keycard's own English messages instead of zod's locale, 67.4 KB with part
  // two's later fixes (device login's outage answers, refused management calls audited, the MCP
  // gate's foreign-token check): the guard moved from 67.2 to 70 KB, a regression alarm, not the target;
  // 69.1 KB with the hook deadlines, coalesced reports and the store's `revokedNow`; 67.5 KB with
  // keycard's own portable SHA-256 instead of @noble/hashes (src/core/sha256.web.ts): guard 69 KB;
  // 67.4 KB with its constants computed, after the flush timer of coalesced reports; 67.2 KB with
  // the management answers' schemas out of the runtime (src/manage/answer-schemas.ts): guard 68 KB.
  // 66.9 KB with the generated OpenAPI schemas written through `object()`; 66.8 KB without z.date();
  // 66.5 KB without the rest of the z.iso namespace: guard 67 KB. 66.4 KB after the review mends;
  // 66.9 KB with HEAD, nosniff and the charset check of the management handler (src/core/answer.ts,
  // src/manage/body.ts): guard 67.5 KB. 67.6 KB after eleven fail-open and leak fixes (2026-12-05:
  // the list cursor's re-read, rotate's answer after a failed read-back, the device routes' repeated
  // parameters, client check and code folding, the mount-mistake 404s, masking before cutting):
  // guard 68 KB. 68.0 KB with the sealed list cursor (AES-GCM), 68.4 KB with the settling of
  // writes whose answer was lost (src/lifecycle/settle.ts): guard 69 KB. 70.0 KB after five more
  // fixes (2026-12-05: keycard.flush() and the stalled audit write, a revokeAll whose answer was
  // lost, OAuth limits per subject, nosniff and unreadable assert paths, the device routes' letter):
  // guard 70.5 KB. 70.4 KB after their review mends and the attack on keycard/ui and keycard/cli
  // (the oldest lost revoke kept, the approval page's ids isolated): guard 71 KB. 71.1 KB after
  // session 34's fixes (one user-actor rule for the management and device routes, device events'
  // request ids, the settings page's calendar-day expiry); 71.0 KB with defineScopes' schema built
  // on call, one deepFreeze and the device option's `false` without zod's literal type: guard 71.5 KB.
  // 71.8 KB after session 35's fixes (duplicate JSON members refused, 0.8 KB minified; the device
  // routes' problem bodies; audit values that no longer wedge the Postgres writer): guard 72 KB.
  // 71.9 KB after session 36's fixes (leak reports' off-format entries, keycard.verify() asking the
  // oauth verifier in dual mode, a throwing verifier's error redacted). 72.2 KB after session 37's
  // audit-store fix (every store keeps a frozen copy of an event's JSON form, ids as text, the
  // actor checked, JSON Lines escaping U+2028): guard 73 KB. 72.8 KB after session 38's fixes
  // (WWW-Authenticate on every 401, RFC 6749 error_description characters, audit stores' bounds
  // and getters, the Postgres append in one statement). 69.1 KB (70,765 B) in session 39 with the
  // root's schemas written with src/core/kinds.ts, the management API's requests among them (zod's
  // types but object, optional and unknown left the bundle): guard 70 KB. 68.7 KB (70,311 B) with the
  // lifecycle's second checks of what a call's arguments checked already left out (session 39's trim);
  // 68.9 KB (70,545 B) with session 39's review fixes (update reads its patch once; a requirement's
  // scope read as the scope check reads it); 69.0 KB (70,698 B) with the actor read once by every
  // management call's arguments check, the requirement's group bound and the device 429's Retry-After;
  // 69.1 KB (70,804 B) on main after session 40's merges (the 201s' Location, the audit export's
  // filter read once, restriction ids holding a token refused, leak notices masked). 71,133 B in
  // session 41; 67,621 B (66.0 KB) in session 42 with zod's object, optional and unknown types run
  // by src/core/shape.ts: guard 67,648 B (the size rounded up to 64 B, so the headroom is not eaten
  // silently). 67,764 B with createKeycard's store and limiter checked for their ports' methods:
  // guard 67,776 B. 67,904 B after session 42's attack and conformance merges (the device entry
  // limit counted before its lookup, repeated restriction types and pasted workspace ids refused,
  // PATCH's media type, the widening PATCH's 403 naming its scopes): guard 67,968 B. 68,000 B with
  // the review's mends (a rate-limit name holding a token refused): guard 68,032 B. 67,052 B in
  // session 43, no answer changed: the OpenAPI document generated whole (−345 B), its date-time
  // pattern the runtime's (−79 B) and frozen by the core's deepFreeze (−36 B), the root's exports
  // (−389 B) and the management handler's imports (−99 B) in the order that gzips smallest: guard 67,072 B.
  // 67,192 B in session 45 (67,070 B before), two fixes: createManagementHandler, createLeakIntakeHandler
  // and createDeviceRoutes refuse a missing or swapped keycard with a KeycardError naming the argument
  // instead of a TypeError (src/core/arguments-check.ts, +111 B), and the per-request memo follows a Web
  // `Request` a mount made from the guard's (linkRequest: a token under a guard and expressHandler is
  // charged once, +16 B; the frozen objects' test folded into the memo's WeakMap miss, −4 B): guard 67,200 B.
  // 67,975 B in session 46 (+783 B), raised knowingly for fixes with nothing found to pay for them:
  // the management handler's device approval asks its `can` (a person `can` kept from creating tokens
  // got one through a device login, test/manage/device-can.test.ts, +66 B); issue asks resolveOwner
  // about the new token's owner in the workspace it names (a person borrowed another workspace's
  // rate-limit plan, test/seeds-plans.test.ts, +67 B); every exported function names its wrong
  // arguments in a KeycardError instead of a TypeError or a wrong answer (checked parseToken,
  // validateToken and scannerPattern +201 B, redact +52 B, describeActor +65 B, boundByOwner +57 B,
  // jsonLinesSink +44 B, the shared checkArguments) and the (keycard, options) factories name a wrong
  // options argument beside a wrong keycard (+117 B); the approval pages mask a token sent as
  // client_id or host, and a failing device-approval `can` is reported once (+45 B; the put-back
  // version fix −2 B). The checks sit in the exported functions only, so the request path is
  // unchanged: guard 68,032 B. 67,767 B in session 47 (67,972 B before), no answer changed: one
  // base64 helper for the cursors and the leak intake (−43 B), one table of reason phrases (−58 B),
  // the device login's lifetime read by presetMs (−19 B), redact's export after Identity's (−23 B)
  // and the management handler's imports reordered (−62 B). Then 67,937 B (+170 B), raised knowingly:
  // redact and redactTokens find a token percent-, JSON- or HTML-escaped or inside base64/base64url/hex
  // (a token pasted as a label, metadata, client_id or X-Request-Id was stored and echoed in those
  // forms; test/encoded-token-sinks.test.ts); one decoder and one run check in src/core/redact.ts,
  // nothing found to pay for it: guard 67,968 B. 67,969 B with the review's finding mended (a
  // token's hex image after base64 characters ending in a hex digit was read one digit off; +22 B):
  // guard 68,032 B. 68,259 B in session 48 (+290 B), raised knowingly, nothing found to pay for it
  // (checkArguments in the constructors instead of a local helper cost 39 B more): a misspelt key
  // in a requirement's `resource` (`acess`) refused by the core's requirement check (a write meant
  // on a GET was checked as a read; ~85 B); `new KeycardError()`, `new AuditLossError()` and
  // `new Identity()` name their wrong arguments instead of a TypeError (~185 B); the leak intake
  // keeps every provider key of one id (~30 B): guard 68,288 B. 68,273 B in session 49 (+14 B, within
  // it): the audit CSV's `'` before a formula opener after `;`, TAB, CR or LF too. 68,731 B with the
  // leak intake revoking a leaked token's offspring (src/leaks/offspring.ts; +458 B), raised
  // knowingly: a fail-open (a leaked management token's mints and self-rotations kept working).
  // 68,595 B after shrink49 paid 121 B of it (built-ins under short local names, one invalidConfig
  // helper) and review49's mend (−2 B); 68,596 B with the review's linear group-by (+1 B): guard 68,608 B.
  // 68,587 B in secrets50 (−9 B): the maskers decode JSON-in-JSON `\\u00XX`, `%u00XX` and `&UnderBar;`
  // (+19 B), paid by re-escaping a masked run with `escape` (−28 B). 68,615 B in session 50 (+28 B),
  // raised knowingly for a leak: `&#` glued before a digest's percent-encoded base64 (or `&#95`
  // before hex letters) was read as an entity that ate the secret's first characters, which then
  // went unmasked (a clean-clone CI run's redactKnown property found it): decimal entities take
  // digits only, and a run that masks nothing is tried again with its `&#` read as text.
  // 68,752 B with attack50's fix too (+144 B alone), raised knowingly, nothing found to pay for it: a later check
  // declaring a class the first did not charge charges that budget too (chargeLater; a GET route
  // declared a write behind a router guard passed on the read budget, a limiter fail-open,
  // test/stacked-guard-class.test.ts): guard 68,800 B (rounded up to 64 B). 68,797 B on main after
  // attack50b. 68,896 B in left51 (+99 B), raised knowingly, nothing found to pay for it: three
  // fixes (a leak, an unaudited fail-open, bad input accepted): a request id holding a token without its prefix kept (+41 B),
  // a later charge's limiter fail-open left unaudited (+11 B), expiries past year 9999 and a
  // rotation counting past them accepted (+47 B): guard 68,928 B (rounded up to 64 B).
  // (Also after review50; 68,800 B with spec51 (a reversed audit query window refused, +41 B, paid inside
  // parseAuditQuery: the five id filters read in a loop, `request.${outcome}`), guard unchanged;
  // 68,798 B once export/append name their bad argument (+21 B, paid in audit-export/audit-memory).)
  // Both merged on main: 68,888 B, guard 68,928 B.
  // (shrink51's own figures, measured on 76bf1da:)
  // 68,797 B on main in session 51 (attack50b's fixes). shrink51, no answer changed: the management
  // routes pass the checked body's members on as given (-106 B); one problem builder and one JSON
  // answer builder (src/core/answer.ts) for the management handler, the device routes, the leak
  // intake and the Node mount (-93 B); one report of an unbuildable audit event, the audit query's id
  // filters and the audit events' optional members copied by one list each, possibly-undefined
  // members instead of conditional spreads (-162 B); the request contract's rows marking only the
  // answers without a challenge, and three smaller trims (-32 B); createKeycard's parts built from
  // one shared object (-54 B): 68,350 B, guard 68,352 B (rounded up to 64 B).
  // All three merged on main (left51 +99, spec51 +0 net, shrink51 -447): 68,451 B, guard 68,480 B.
  // (strict51, measured before shrink51's merge: 68,995 B (+107 B), raised knowingly,
  // nothing found to pay for it: the audit stores' bad input named field by field (a misspelt
  // query key as itself, `usage`'s options held to `days` through one more strict schema, a null
  // or array query/filter refused rather than read as "every event", export's non-object filter
  // named): guard 69,056 B.)
  // The four merged on main: 68,523 B (+72 B over shrink51's merge), guard 68,544 B. 68,559 B with
  // review51 (+36 B), raised knowingly: createKeycard's defaultExpiresIn and the device routes'
  // defaultTokenLifetime capped (a token past year 9999 issued), a request id holding a token's
  // tail in hex replaced (a leak): guard 68,608 B (rounded up to 64 B). 68,605 B in session 52 (+46 B):
  // the audit events' member lists parsed once at load instead of on every event (2.0 µs a
  // request + token event pair, was 4.2 µs). 68,632 B (+27 B), raised knowingly: a write the store
  // refused outright (`reason: 'store_refused'`) answered at once instead of asked after for seconds
  // (an issue refused by a CHECK constraint: 28 INSERTs over 3.1 s): guard 68,672 B. leak52 (+70 B
  // on its own), raised knowingly, nothing found to pay for it (the request id check through excerpt
  // and an instanceof for isKeycardError measured no smaller): a token's tail pasted as a key, scope
  // or type name masked by `excerpt` and unknown keys quoted through it (two leaks, +4 B), every
  // event's requestId through requestIdFrom (a leak, +11 B), an export naming a bad format beside a
  // bad filter (+55 B). Both on main: 68,704 B, guard 68,736 B (rounded up to 64 B). odds52 (+10 B
  // on its own; inlining the check measured 68,628 B): the device entry page put back the first 12
  // characters typed, so a token pasted into the code box came back with the first characters of
  // its secret part (a leak); now nothing holding a `_` is put back. All three on main: 68,721 B,
  // under the same guard. newcomer53: 68,735 B, the CSRF refusal's detail saying which mistake (+29 B)
  // paid for by one helper for the management routes' unknown-scope check (−15 B); guard not raised.
  // 68,725 B in hot53 alone (+4 B): SECRET_RUN tried where a run starts (requestIdFrom's cost on a
  // UUID id halved, excerpt linear in a run's length). Both merged in session 53: 68,740 B, 4 B over
  // the guard, raised to the next multiple of 64 (68,800 B) rather than trim a message for 4 bytes.
  // 68,747 B in review53 (+7 B): the CSRF refusal's own origin (the client's Host) through excerpt.
  // flake53 (+16 B), raised knowingly, nothing found to pay for it (a shorter createSettled loop
  // measured 2 B larger): the token a failed issue or rotate stored, secret never returned, revoked
  // with retries while the answer is lost (one try left it live across a Redis restart). All of
  // session 53 on main: 68,761 B, guard 68,800 B; 68,768 B once the audit copy list holds each
  // member's copier (looked up at load, not compared per member per event). Session 54, raised
  // knowingly for stop 51's CI failure and what it led to: a `length` JavaScript cannot compare
  // counted as NaN where zod threw a TypeError (+30 B with the URL kind), and a requirement's
  // `class`, `resource.access`, `workspaceId`, `forbid`, `surface`, `rpcMethod` and `tool` checked
  // (+251 B: a `class: 'Read'` charged the write budget, a `forbid: {}` was a TypeError and a 503):
  // 69,049 B, guard 69,056 B. hostile54: 69,055 B (metadata copied by `clean` alone, a 403's
  // resource id named only when text or a number). props54: 69,052 B (+3 B, a quoted-string opens
  // only after a named `=`). Both merged: 69,058 B, 2 B over; guard raised to the next multiple of
  // 64 (69,120 B) rather than trim an error message for 2 bytes.
  it('stays at most 69,120 B gzip (measured 69,058 B)', async () => {
    const { gzip } = await size;
    expect(gzip).toBeLessThanOrEqual(69_120);
  }, 60_000);

  // What a Worker that only authenticates pays: 41.3 KB before keycard's own messages, 39.8 KB since,
  // 40.2 KB after three fail-open fixes (a per-request requirement's shape, tokens minted around
  // "Revoke all"): the guard moved from 40 to 41 KB rather than trim error messages for them;
  // 40.9 KB with the audit fields of refused management calls, so it moved again, to 42 KB; 41.4 KB
  // with the hook deadlines, coalesced reports and the store's `revokedNow`; 39.8 KB with keycard's
  // own portable SHA-256 (7.3 KB minified of @noble/hashes became 2.0 KB): back to the 40 KB target;
  // 39.5 KB with the hash's constants computed (−0.5 KB), after the coalesced reports' flush timer;
  // 39.8 KB after eleven fail-open and leak fixes; 40.1 KB with the settling of writes whose answer
  // was lost (src/lifecycle/settle.ts: issue and rotate across a paused store): guard 40.5 KB.
  // 40.7 KB with keycard.flush() and the audit trail giving up a write whose work a runtime
  // stopped (Workers without ctx.waitUntil); 41.6 KB with a revokeAll whose answer was lost
  // settled by its retry (src/lifecycle/revoke-all-lost.ts) and OAuth limits per subject: guard 42 KB.
  // 42.0 KB after the review mends (Workers-safe flush, the oldest lost revoke kept): guard 42.5 KB.
  // 42.3 KB after session 34's fixes; 41.6 KB with defineScopes' schema built on call (a module-level
  // `.check()` kept zod's record type in every bundle importing scopes.ts): guard 42 KB.
  // 41.9 KB after session 36's OAuth fixes (keycard.verify() in dual mode, verifier answers checked);
  // 42.0 KB (42,991 B) with session 38's maxCredentialBytes check against the prefix's own tokens.
  // 39.9 KB (40,903 B) in session 39, its options, arguments and stores' options written with
  // src/core/kinds.ts instead of zod's number, string, boolean, enum, nullable, array, union and
  // custom types: issue 13's target met, and the guard. 40.0 KB (40,984 B, 24 B over) with the
  // scope-token fix (src/core/scope-token.ts); 39.5 KB (40,429 B) without the lifecycle's unreachable
  // second checks of what the call's arguments checked (src/core/arguments.ts), the authorize() rule's
  // module-level template and scopes.ts's unused frozen constants, and one restrictions walker;
  // 39.7 KB (40,649 B) with session 39's review fixes (update's patch read once, the requirement's
  // scope parts checked as the scope check reads them); 39.8 KB (40,800 B) with the actor copied and
  // checked once for every management call (40,735 B) and the requirement's bound of 64 groups;
  // 39.8 KB (40,742 B) on main after session 40's merges (restriction ids holding a token refused,
  // revokeAll's and list's filters copied once, assertRequirement's shape check). 40.0 KB (40,944 B)
  // on branch fix41: scopes.missing's shape check, every bad option named in one parse (realm,
  // problemTypeBase, rateLimit, resources, peppers, audit, clock, maxCredentialBytes), 16 B under.
  // 36.5 KB (37,419 B) in session 42 with zod's object, optional and unknown types run by
  // src/core/shape.ts (zod's core left the bundle, 3,525 B): the guard is that size rounded up to
  // 64 B, under the issue 13 target of 40 KB, so the headroom is spent knowingly. 37,569 B with
  // the store and limiter checked for their ports' methods (+150 B): guard 37,632 B. 37,527 B in
  // session 43 with the root's exports in the order that gzips smallest (−23 B): guard 37,568 B.
  // 37,618 B in session 46 (37,551 B before) with issue's owner check for a person or a token
  // naming a workspace (a person could borrow another workspace's rate-limit plan; +67 B): guard 37,632 B.
  // 37,617 B in session 47 (the request contract's reason phrases in src/core/status-phrases.ts, −1 B;
  // a resource requirement without access checked as the request's class, paid by isBearer's lower-case
  // compare), then 37,796 B (+192 B): the maskers' escape decoder and base64/hex run check
  // (src/core/redact.ts; a token escaped or encoded in free text was stored and echoed), and 37,809 B
  // with a quoted-string opened only after `=` (two joined Authorization lines, +13 B), 37,821 B with
  // the review's unescape for percent layers (+12 B): guard 37,824 B. 37,841 B with hex read at both
  // parities of its run (a token's hex image after `xyz3` slipped through; +20 B): guard 37,888 B.
  // 38,062 B in session 48 (+221 B), raised knowingly, nothing found to pay for it: the core's
  // requirement check refuses a misspelt key in `resource` (a fail-open from a typo, ~67 B), and
  // KeycardError and Identity name their wrong arguments instead of a TypeError (~136 B): guard 38,080 B.
  // 38,063 B with a present but falsy `secrets`/`fields` refused too (review48b, +1 B). 38,089 B in
  // session 49 (+26 B): `token.leaked` carries `via` for a leaked token's offspring; 37,994 B after
  // shrink49 (−95 B: built-ins under short local names, one invalidConfig helper): guard 38,016 B.
  // 37,986 B in secrets50 (−8 B): the maskers' three more escapes (+21 B), paid by `escape` (−29 B).
  // 38,011 B with `&#` read as text when reading it as an entity hid a secret (+25 B).
  // 38,150 B with attack50's fix too (+147 B alone), raised knowingly: a route's declared class charged behind a
  // router guard (chargeLater, a limiter fail-open; nothing found to pay for it): guard 38,208 B.
  // 38,226 B in left51 (+76 B) with the same three fixes (request ids, the later charge's
  // fail-open audited, the year-9999 expiry bound), raised knowingly: guard 38,272 B.
  // 37,947 B in shrink51 (-203 B, no answer changed): one report of an unbuildable audit event, the
  // audit events' optional members copied by one list, possibly-undefined members instead of
  // conditional spreads (the problem options, the OAuth verifier, a revocation's reason, the event's
  // requestId), the request contract's rows marking only the answers without a challenge, and
  // createKeycard's parts built from one shared object: guard 37,952 B.
  // Both merged on main: 38,029 B, guard 38,080 B; 38,046 B with review51's option cap and hex request id check;
  // 38,067 B with the audit member lists parsed once at load (session 52); 38,093 B with a store's
  // refusal answered at once (+26 B): guard 38,144 B. leak52 (+38 B on its own), raised knowingly for
  // two leak fixes, nothing found to pay for them: `excerpt` masking a token's tail in quoted keys and
  // names, unknown keys quoted through it (+29 B), every event's requestId through requestIdFrom
  // (+9 B). Both on main: 38,127 B, guard 38,144 B; 38,131 B with requestEvent's one requestIdFrom.
  // 38,137 B in hot53 (+6 B): SECRET_RUN tried where a run starts (requestIdFrom's cost on a UUID id
  // halved, excerpt linear). flake53 (+34 B), raised knowingly for the same fix as `export *`'s (a
  // failed issue's unheld token revoked with retries): 38,165 B alone, guard 38,208 B. All of
  // session 53 on main: 38,170 B; 38,180 B with the audit copy list's copiers. Session 54 (+269 B,
  // the same two fixes as `export *`'s: uncomparable lengths, a requirement's values checked):
  // 38,449 B, guard 38,464 B. hostile54: 38,454 B (the same two changes); props54 38,455 B; both
  // merged 38,459 B.
  it('createKeycard alone (tree-shaken) is at most 38,464 B gzip, under the issue 13 target of 40 KB (measured 38,459 B)', async () => {
    const { gzip } = await measure({ source: true, contents: "export { createKeycard } from 'keycard';" });
    expect(gzip).toBeLessThanOrEqual(38_464);
    expect(gzip).toBeLessThanOrEqual(40 * KB);
  }, 60_000);

  // Each of zod's types weighs 0.1-0.9 KB gzip; src/core/kinds.ts raises their issues from zod's
  // unknown type and one check, and src/core/shape.ts runs zod's object, optional and unknown types
  // (session 42): createKeycard's bundle keeps none of zod (13.2 KB minified, 3.5 KB gzip before).
  it('createKeycard alone keeps nothing of zod', async () => {
    const { files, code } = await measure({ source: true, contents: "export { createKeycard } from 'keycard';" });
    expect(files.filter((f) => f.includes('node_modules/zod/'))).toEqual([]);
    expect(code).not.toContain('"$ZodObject"');
  }, 60_000);

  // defineScopes' catalogue schema is built when it is called: at module level its `.check()` is a
  // call the bundler must keep, and with it zod's record type, in a Worker that never defines scopes.
  it("createKeycard alone builds no zod record schema (zod's $ZodRecord)", async () => {
    const { code } = await measure({ source: true, contents: "export { createKeycard } from 'keycard';" });
    expect(code).not.toContain('"$ZodRecord"');
  }, 60_000);

  it("carries no @noble/hashes (the portable SHA-256 is keycard's own; Redis's SHA-1 is not on the root)", async () => {
    const { files } = await size;
    expect(files.filter((f) => f.includes('@noble/'))).toEqual([]);
  }, 60_000);

  it("carries no zod locale (keycard's English messages are its own, src/core/config.ts)", async () => {
    const { files } = await size;
    expect(files.filter((f) => /zod\/.*locales\//.test(f))).toEqual([]);
  }, 60_000);

  // The answers' schemas (TokenView, the pages, the problem body) only generate the OpenAPI document
  // and give types; built at import in src/manage/schemas.ts, they cost 1 KB minified (0.3 KB gzip).
  // So do the requests' in zod's own types (session 38): src/manage/schemas.ts validates them with
  // src/core/kinds.ts (test/manage/request-schemas.test.ts holds the two to the same answers).
  it("builds no zod schema for the management API's answers, nor its requests' zod types (types and document only)", async () => {
    const { kept } = await size;
    expect(kept['src/manage/answer-schemas.ts']).toBeUndefined();
    expect(kept['src/manage/request-schemas.ts']).toBeUndefined();
    // 3.1 KB since session 38, zod's ISO date-time pattern among them.
    expect(kept['src/manage/schemas.ts']).toBeLessThanOrEqual(3.5 * KB);
  }, 60_000);

  // Session 38: the root's schemas are written with src/core/kinds.ts (zod's number, string, boolean,
  // enum, nullable, array, union, record, JSON, custom, ISO date-time and default types as checks
  // raising the same issues), 3.7 KB gzip less; session 42: zod's object, optional and unknown types
  // with src/core/shape.ts, and the root keeps nothing of zod (3.4 KB gzip less).
  it('keeps nothing of zod', async () => {
    const { files, code } = await size;
    expect(files.filter((f) => f.includes('node_modules/zod/'))).toEqual([]);
    expect(code).not.toContain('"$ZodObject"');
  }, 60_000);

  // The generated JSON Schema writes each closed object as `object(properties, required?)`, its
  // `required` derived when it is every property (7.8 KB minified before, 0.26 KB more gzip).
  // Session 43: the whole document is generated (src/manage/openapi.ts's 3.7 KB minified of
  // assembly left the runtime), every repeated part one constant: 7.9 KB minified for the schemas'
  // 6.2 KB and the assembly's 3.6 KB, 345 B gzip less.
  it('keeps at most 8 KB of the generated OpenAPI document (src/manage/openapi-{document,parts}.generated.ts)', async () => {
    const { kept } = await size;
    // Written as two files (its components and shared parts, then the document), each ≤ 400 lines.
    const generated = ['document', 'parts'].reduce(
      (n, f) => n + (kept[`src/manage/openapi-${f}.generated.ts`] ?? 0),
      0,
    );
    expect(generated).toBeLessThanOrEqual(8 * KB);
    expect(kept['src/manage/openapi.ts']).toBeLessThanOrEqual(256);
  }, 60_000);

  // The audit query's times are checked by hand (src/core/audit-store.ts), as the management calls'
  // dates are (src/core/arguments.ts): no other root schema needs zod's Date type.
  it("builds no zod date schema (zod's $ZodDate)", async () => {
    const { code } = await size;
    expect(code).not.toContain('"$ZodDate"');
  }, 60_000);

  // `z.iso.datetime()` reached through the `z.iso` namespace kept the whole namespace (date, time,
  // duration), and `regexes.datetime` reached through zod's `regexes` namespace kept all of zod's
  // patterns (6.5 KB minified): src/manage/schemas.ts holds the one pattern it needs.
  it("builds none of zod's ISO formats and keeps none of its other patterns", async () => {
    const { code, kept } = await size;
    for (const type of ['$ZodISODateTime', '$ZodISODate', '$ZodISOTime', '$ZodISODuration'])
      expect(code).not.toContain(`"${type}"`);
    expect(kept['node_modules/zod/v4/core/regexes.js'] ?? 0).toBeLessThanOrEqual(256);
  }, 60_000);

  it("carries no JSON Schema converter (zod's z.toJSONSchema, ~20 KB minified; npm run generate:openapi)", async () => {
    const { files } = await size;
    expect(files.filter((f) => /zod\/.*(json-schema-processors|to-json-schema)\.js$/.test(f))).toEqual([]);
  }, 60_000);

  // Not met yet: keycard's own code on the root (management handler, device routes, leak intake,
  // audit store included) is 65.5 KB gzip since session 43, zod no longer on it. Remove `.fails`
  // when it is.
  it.fails(
    'is at most 40 KB gzip (the issue 13 target)',
    async () => {
      const { gzip } = await size;
      expect(gzip).toBeLessThanOrEqual(40 * KB);
    },
    60_000,
  );
});
