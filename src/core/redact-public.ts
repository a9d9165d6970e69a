/**
 * `redact()` as `keycard` exports it: the one keycard uses inside answers non-text as it is (a
 * provider's number in a leak report), the exported one refuses it, naming the argument.
 */
import { checkArguments } from './arguments-check.ts';
import { redact as redactText } from './redact.ts';

/**
 * Returns `text` with every token-shaped substring and every digest-shaped one replaced by
 * `[redacted]` (src/core/redact.ts, docs/audit.md): for your own log lines and error messages.
 *
 * @throws KeycardError `invalid_argument` when `text` is not a string
 * @example
 * ```ts
 * redact('bad acme_sk_1…') // 'bad [redacted]'
 * ```
 */
export function redact(text: string): string {
  if (typeof text !== 'string') checkArguments('redact', ['text', false, 'a string', text]);
  return redactText(text);
}
