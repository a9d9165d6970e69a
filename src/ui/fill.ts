/**
 * `fill` as keycard/ui exports it: a text left out or a number for the values was a TypeError from
 * inside it; here it is the entry's own error, a `ManagementError` (`invalid_argument`) naming
 * every wrong argument, as `createManagementClient` names its bad options. The element's own calls
 * go to strings.ts directly.
 */
import { ManagementError, localProblem } from '../client/error.ts';
import { fill as fillText } from './strings.ts';

const kindOf = (v: unknown) =>
  v === null || v === undefined ? String(v) : typeof v === 'object' ? 'an object' : `a ${typeof v}`;

/**
 * Fills `{name}` placeholders; unknown names stay as written so a typo shows up on screen.
 *
 * @throws ManagementError `invalid_argument` when `text` is not a string or `values` not an object
 */
export function fill(text: string, values: Record<string, string | number> = {}): string {
  const bad: string[] = [];
  if (typeof text !== 'string') bad.push(`text must be a string, got ${kindOf(text)}`);
  if (typeof values !== 'object' || values === null) bad.push(`values must be an object, got ${kindOf(values)}`);
  if (bad.length > 0)
    throw new ManagementError(localProblem('invalid_argument', `fill: ${bad.join('; ')}`, 0, 'Invalid argument'));
  return fillText(text, values);
}
