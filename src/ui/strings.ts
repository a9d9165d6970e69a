import { localProblem, ManagementError } from '../client/error.ts';

/**
 * Every text `<keycard-tokens>` shows or announces, in English. The element's `localization`
 * property takes a partial object of the same keys and replaces these; `{name}` placeholders are
 * filled in at render time, so a translation is plain data (it can come from JSON).
 */
export const STRINGS = {
  /** BCP 47 locale for dates and relative times; empty means the page's `lang` or the browser's. */
  locale: '',
  title: 'API tokens',
  newToken: 'New token',
  revokeAll: 'Revoke all',
  show: 'Show',
  filterActive: 'Active',
  filterExpiring: 'Expiring soon',
  filterRevoked: 'Revoked',
  filterExpired: 'Expired',
  filterAll: 'All',
  kindLabel: 'Kind',
  personal: 'Personal',
  workspace: 'Workspace',
  loading: 'Loading…',
  empty: 'No tokens yet. Create one to let a script, a CI job or an AI agent call the API.',
  emptyFiltered: 'No tokens match this filter.',
  loadError: 'The tokens could not be loaded: {message}',
  retry: 'Retry',
  close: 'Close',
  cancel: 'Cancel',
  // list row
  createdBy: 'Created by {who} {when}',
  createdWhen: 'Created {when}',
  lastUsed: 'Last used {when} via {surface}',
  lastUsedNoSurface: 'Last used {when}',
  neverUsed: 'Never used',
  surfaceHttp: 'API',
  surfaceMcp: 'MCP',
  /** A text with a count `{n}` (see `plural`): "in 1 day" never shows in English (1 is tomorrow). */
  expiresInDays: 'Expires in {n} days',
  expiresToday: 'Expires today',
  expiresTomorrow: 'Expires tomorrow',
  expiredOn: 'Expired {when}',
  noExpiry: 'Never expires',
  revokedOn: 'Revoked {when}',
  statusActive: 'Active',
  statusExpiring: 'Expiring',
  statusExpired: 'Expired',
  statusRevoked: 'Revoked',
  allResources: 'All resources',
  rateLimitShared: 'Rate limit: {policy}',
  rateLimitSplit: 'Rate limit: reads {read}, writes {write}',
  rateLimitPolicy: '{limit} per {window}',
  rateLimitDefault: 'Default rate limit',
  rowRevoke: 'Revoke {label}',
  rowRotate: 'Rotate {label}',
  rowActivity: 'Activity of {label}',
  revoke: 'Revoke',
  rotate: 'Rotate',
  activity: 'Activity',
  scopesOf: 'Scopes',
  // new token
  newTitle: 'New token',
  label: 'Label',
  labelHint: 'What uses this token, e.g. "claude-code on my laptop". It shows on everything the token does.',
  useCase: 'Use case',
  customPreset: 'Custom',
  scopes: 'Scopes',
  otherScopes: 'General',
  impliedBy: 'Included by {scope}',
  restrictions: 'Restrictions',
  restrictTo: 'Limit to {type}',
  restrictHint: 'Comma-separated ids. Empty means every {type}.',
  rateLimit: 'Rate limit',
  rateLimitRequests: 'Requests',
  rateLimitPer: 'Per',
  rateLimitHint: 'Empty means the default limit. Calls past it get 429 until the window moves on.',
  unitSecond: 'second',
  unitMinute: 'minute',
  unitHour: 'hour',
  unitDay: 'day',
  needRateLimit: 'Give the rate limit as a whole number of requests from 1 to 2147483647, or leave it empty.',
  expiration: 'Expiration',
  expNever: 'Never',
  exp30: '30 days',
  exp90: '90 days',
  exp365: '1 year',
  expCustom: 'Custom date',
  expDate: 'Expiration date',
  create: 'Create token',
  creating: 'Creating…',
  needScope: 'Choose at least one scope.',
  needLabel: 'Give the token a label.',
  needDate: 'Pick a date in the future.',
  // reveal
  revealTitle: 'Copy your new token',
  token: 'Token',
  copy: 'Copy',
  copied: 'Copied',
  copyFailed: 'Copying failed: select the field and copy it yourself.',
  showSecret: 'Show token',
  hideSecret: 'Hide token',
  shownOnce:
    'This is the only time the token is shown. Store it in a secret manager or an .env file now; if you lose it, rotate or revoke it.',
  nextSteps: 'Next steps',
  envStep: 'Put it in your environment (an .env file that git ignores, or your CI secrets):',
  mcpStep: 'Point an MCP client at it through the environment variable:',
  copyEnv: 'Copy env line',
  copyMcp: 'Copy MCP config',
  previousExpires: 'The old token keeps working until {when}.',
  previousEnded: 'The old token has stopped working.',
  done: 'Done',
  notCopied: 'You have not copied the token. Once this closes it cannot be shown again.',
  closeAnyway: 'Close without copying',
  goBack: 'Go back',
  // revoke
  revokeTitle: 'Revoke {label}?',
  revokeBody: 'Anything using this token gets 401 on its next call. This cannot be undone.',
  revokeLastUsed: 'It was last used {when} via {surface}.',
  revokeLastUsedNoSurface: 'It was last used {when}.',
  revokeNeverUsed: 'It has never been used.',
  revokeConfirm: 'Revoke token',
  // rotate
  rotateTitle: 'Rotate {label}',
  rotateBody: 'A new token with the same scopes and restrictions replaces this one.',
  grace: 'Keep the old token working for',
  grace0: 'No time: stop it now',
  grace1h: '1 hour',
  grace1d: '1 day',
  grace7d: '7 days',
  rotateUntil: 'The old token stops working {when}.',
  rotateConfirm: 'Rotate token',
  // revoke all
  revokeAllTitle: 'Revoke all tokens',
  revokeAllCount: 'This revokes {n} tokens (every active one). Everything using them gets 401 on its next call.',
  revokeAllCount_one: 'This revokes {n} token (the only active one). Everything using it gets 401 on its next call.',
  revokeAllNone: 'There are no tokens to revoke.',
  revokeAllPhrase: 'revoke all',
  revokeAllType: 'Type "{phrase}" to confirm',
  revokeAllConfirm: 'Revoke all tokens',
  revokeAllChanged: 'The number of tokens changed while you were confirming. Check the new count and confirm again.',
  revokeAllReason: 'Revoked from the settings page',
  revokeAllDone: '{n} tokens were revoked.',
  revokeAllDone_one: '{n} token was revoked.',
  // activity
  activityTitle: 'Activity of {label}',
  activityEmpty: 'No activity recorded yet.',
  activityUnavailable: 'Activity is not available on this server.',
  olderEvents: 'Show older',
  allowed: 'allowed',
  denied: 'denied',
  // announcements
  createdAnnounce: 'Token {label} created.',
  revokedAnnounce: 'Token {label} revoked.',
  rotatedAnnounce: 'Token {label} rotated.',
  errorGeneric: 'Something went wrong: {message}',
  /** The server's `can` refused the action of the button named `{action}` (403 `forbidden`; 404 for create and Revoke all). */
  notAllowed: 'You do not have permission for “{action}”. Nothing was changed.',
} as const;

/** The keys of {@link STRINGS}. */
export type StringKey = keyof typeof STRINGS;

/** The texts with a count `{n}`; each may have a form per plural category (see {@link plural}). */
export type CountKey = 'expiresInDays' | 'revokeAllCount' | 'revokeAllDone';

/**
 * A full set of texts; `localization` accepts any part of it. A text with a count may add a form
 * per plural category of the locale, `<key>_<category>` (`revokeAllCount_few`): see {@link plural}.
 */
export type Localization = { -readonly [K in StringKey]: string } & {
  [K in `${CountKey}_${Intl.LDMLPluralRule}`]?: string;
};

/**
 * The text of `key` for the count `n`, `{n}` filled: its form for `n`'s plural category in `locale`
 * (`Intl.PluralRules`: `zero`, `one`, `two`, `few`, `many`, `other`), `<key>_<category>`, when
 * there is one, else `key`'s own text. An English form of `STRINGS` (`revokeAllCount_one`) goes
 * only with the English `key`: a `localization` that replaces just `key` has its text for every `n`.
 */
export function plural(s: Localization, key: CountKey, n: number, locale: string | undefined): string {
  const k = `${key}_${new Intl.PluralRules(locale).select(n)}` as const;
  const form = s[k];
  return fill(form && (form !== (STRINGS as Partial<Localization>)[k] || s[key] === STRINGS[key]) ? form : s[key], {
    n,
  });
}

/**
 * Fills `{name}` placeholders; unknown names stay as written so a typo shows up on screen.
 * @throws ManagementError `invalid_argument` when `text` is not a string or `values` not an object
 */
export function fill(text: string, values: Record<string, string | number> = {}): string {
  const bad = [
    typeof text != 'string' && 'text must be a string',
    Object(values) !== values && 'values must be an object',
  ].filter(Boolean);
  if (bad.length)
    throw new ManagementError(localProblem('invalid_argument', `fill: ${bad.join('; ')}`, 0, 'Invalid argument'));
  return text.replace(/\{(\w+)\}/g, (m, k: string) => (Object.hasOwn(values, k) ? String(values[k]) : m));
}
