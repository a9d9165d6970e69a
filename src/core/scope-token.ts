/**
 * The scope names a catalogue can declare (SPEC §3): RFC 6749 §3.3 scope-tokens,
 * `1*( %x21 / %x23-5B / %x5D-7E )` (printable ASCII without space, `"` or `\`), of at most 128
 * characters. Only such a name can be held by a token, meet a requirement, or appear in a
 * challenge's `scope` attribute (RFC 6750 §3 allows no other character there, not even escaped).
 */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/;

/**
 * Names already found well formed: every check with a requirement asks about its names
 * (requirement-check.ts), nearly always the same few, and a hit costs ~15 ns against ~70 ns for
 * the expression. A pure memo, bounded.
 */
const WELL_FORMED = new Set<string>();

/** True when `name` is a scope name a catalogue can declare. Give it strings only: the memo keeps what it is given. */
export function isScopeToken(name: string): boolean {
  if (WELL_FORMED.has(name)) return true;
  if (!SCOPE_TOKEN.test(name)) return false;
  if (WELL_FORMED.size < 1000) WELL_FORMED.add(name); // bounded: names may come from request data
  return true;
}
