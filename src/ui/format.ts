/** Dates and durations for people: relative times ("3 days ago"), whole days until an expiry, "90 seconds", in the element's locale. */

/** The units of a duration, largest first; their initials are `grace-choices`' units (`d`, `h`, `m`, `s`). */
export const DURATION_UNITS: [NonNullable<Intl.NumberFormatOptions['unit']>, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1_000],
];

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 31_536_000_000],
  ['month', 2_592_000_000],
  ['week', 604_800_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

/**
 * `tag` as a locale `Intl` accepts: as it is, else with `_` read as `-` (`en_US`, a common slip in
 * `<html lang>`, is `en-US`), else undefined (the browser's own), never a tag `Intl` throws on.
 */
export function usableLocale(tag: string | null | undefined): string | undefined {
  for (const t of tag ? [tag, tag.replaceAll('_', '-')] : [])
    try {
      return Intl.getCanonicalLocales(t)[0];
    } catch {
      // Not a BCP 47 tag: try the next reading.
    }
  return undefined;
}

/** "3 days ago", "in 2 hours", "now". */
export function relative(iso: string, now: number, locale: string | undefined): string {
  const diff = Date.parse(iso) - now;
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  for (const [unit, ms] of UNITS) if (Math.abs(diff) >= ms) return rtf.format(Math.round(diff / ms), unit);
  return rtf.format(0, 'second');
}

/** A date and time, e.g. "12 Mar 2026, 14:05". */
export function dateTime(iso: string, locale: string | undefined): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

/** Midnight starting the local day of `ms`. */
const dayStart = (ms: number): number => {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
};

/**
 * The last millisecond of `yyyy-mm-dd` in the browser's own time zone (NaN if it is no date): a
 * custom expiry is a day of the person's calendar, and the token works through all of it. (The
 * field's `valueAsNumber` is midnight UTC of the date: west of UTC that is the day before.)
 */
export function endOfLocalDay(value: string): number {
  const m = /^(\d{4,})-(\d{2})-(\d{2})$/.exec(value);
  return m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + 1).getTime() - 1 : Number.NaN;
}

/**
 * Days of the local calendar from `now` until `iso`: 0 today, 1 tomorrow (even at 01:00, three
 * hours away), 2 the day after. Rounded, as a day across a daylight-saving change lasts 23 or 25 hours.
 */
export function daysUntil(iso: string, now: number): number {
  return Math.round((dayStart(Date.parse(iso)) - dayStart(now)) / 86_400_000);
}

/** A duration in the largest unit that divides it: "90 seconds", "15 minutes", "2 hours". */
export function duration(ms: number, locale: string | undefined): string {
  const [unit, size] = DURATION_UNITS.find(([, size]) => ms % size === 0) ?? DURATION_UNITS[3]!;
  return new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' }).format(ms / size);
}

/** The rate-limit windows with a word of their own (a `localization` key): "per minute", not "per 1 minute". */
export const WINDOW_WORDS = [
  [1, 'unitSecond'],
  [60, 'unitMinute'],
  [3600, 'unitHour'],
  [86_400, 'unitDay'],
] as const;
