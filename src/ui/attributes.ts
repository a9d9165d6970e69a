/**
 * What `<keycard-tokens>` reads from its attributes (`kinds`, `grace-choices`), and the values a
 * framework set on it as properties before `keycard/ui` defined it.
 */
import { DEFAULT_GRACE_CHOICES } from './dialogs.ts';
import { DURATION_UNITS } from './format.ts';

export type Kind = 'personal' | 'workspace';

/** `kinds="personal workspace"` read: workspace needs `workspaceId`; none readable → personal. */
export function parseKinds(raw: string | null, workspaceId: string | null): Kind[] {
  const words = raw?.split(/[\s,]+/) ?? (workspaceId ? ['personal', 'workspace'] : ['personal']);
  const kinds = words.filter((k): k is Kind => k === 'personal' || (k === 'workspace' && !!workspaceId));
  return kinds.length ? [...new Set(kinds)] : ['personal'];
}

/**
 * The rotate dialog's grace choices in ms, from `grace-choices="0 10s 1h 1d 7d"` (`s`, `m`, `h`,
 * `d`, a number of any length; 30 days at most, the management API's bound); unreadable entries are skipped.
 */
export function parseGraceChoices(raw: string | null): number[] {
  const ms = (raw ?? '')
    .split(/[\s,]+/)
    .map((c) => /^(\d+)([smhd])$|^0$/.exec(c))
    .map((m) => (m ? (m[1] ? Number(m[1]) * DURATION_UNITS.find(([u]) => u[0] === m[2])![1] : 0) : -1))
    .filter((v) => v >= 0 && v <= 30 * 86_400_000);
  return ms.length ? [...new Set(ms)].sort((a, b) => a - b) : [...DEFAULT_GRACE_CHOICES];
}

/**
 * `grace-choices` written from a list set as the `graceChoices` property: a number of ms as `0` or
 * in the largest of `d`, `h`, `m`, `s` that divides it (else `<n>ms`, which reading skips like any
 * unreadable entry); a word as it is.
 */
export function graceChoicesAttribute(value: readonly (number | string)[]): string {
  const word = (ms: number) => {
    if (ms === 0) return '0';
    const u = ms > 0 ? DURATION_UNITS.find(([, size]) => ms % size === 0) : undefined;
    return u ? `${ms / u[1]}${u[0][0]}` : `${ms}ms`;
  };
  return value.map((v) => (typeof v === 'number' ? word(v) : String(v))).join(' ');
}

/**
 * Passes a property set before the element was defined through its accessor. Svelte sets an object
 * on an undefined custom element as a property, and so does Vue's `.prop`: the value is then an own
 * property of the element, which hides the class's accessor after the upgrade (the "lazy
 * property" problem), so a `localization` would never apply.
 */
export function adoptEarlyProperties<T extends object>(el: T, keys: readonly (keyof T & string)[]): void {
  for (const key of keys) {
    if (!Object.hasOwn(el, key)) continue;
    const value = el[key];
    delete el[key];
    el[key] = value;
  }
}
