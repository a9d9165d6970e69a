/**
 * Reading a JSON body with a hard cap. A declared `Content-Length` over the cap is refused before
 * reading; an undeclared (chunked) body is read only until it passes the cap, then the stream is
 * cancelled, so no more than `maxBytes` + one chunk is ever held. The parsed value is then checked
 * for what the route schemas cannot see safely: nesting deeper than `MAX_BODY_DEPTH` (a recursive
 * validator would overflow the stack: 16 KB of `[` is 8,000 levels), `__proto__` keys (kept as
 * data by `JSON.parse`, silently dropped by zod records: a restriction or metadata entry vanished)
 * and members named twice (`JSON.parse` keeps the last silently: json-keys.ts).
 */
import { readBody } from '../core/body.ts';
import { repeatedNames } from './json-keys.ts';
import { ManagementProblem, invalid, type FieldError } from './problem.ts';
import { isArray } from '../core/builtins.ts';

/** The deepest nesting a management body may have (metadata itself is limited to 32 levels). */
export const MAX_BODY_DEPTH = 64;

const isJson = (type: string | null) =>
  type !== null && /^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i.test(type.trim());

/**
 * A PATCH body is one patch format, ours: a JSON object of the members to set, as `Accept-Patch`
 * says. A patch document means what its media type defines (RFC 5789 §2): JSON Merge Patch
 * (`null` removes, objects merge) or JSON Patch (operations) applied as ours would change what was
 * asked (`{"metadata":{"b":null}}` dropped every other metadata key), so any other `+json` is 415.
 */
const isPatchJson = (type: string | null) => type !== null && /^application\/json\s*(;|$)/i.test(type.trim());

/** One `; name=value` parameter of a media type (RFC 9110 §5.6.6), the value a token or a quoted string. */
const PARAMETER = /;\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;\s]*)/g;

/**
 * True when the media type declares a charset other than UTF-8 (any of them, if given twice).
 * RFC 8259 §8.1: JSON exchanged between systems MUST be UTF-8, so a body declared in another
 * charset is refused rather than misread as UTF-8. No charset, `utf-8` in any case, quoted or not,
 * is UTF-8.
 */
const declaresOtherCharset = (type: string): boolean =>
  [...type.matchAll(PARAMETER)].some(
    ([, name, value]) =>
      name!.toLowerCase() === 'charset' &&
      value!
        .replace(/^"(.*)"$/, '$1')
        .replace(/\\(.)/g, '$1')
        .toLowerCase() !== 'utf-8',
  );

/**
 * The `__proto__` keys of `value` at their dotted paths, or null when it nests deeper than the
 * bound. Named as the repeats are (json-keys.ts): the first always, the others while their paths'
 * lengths add up to no more than `room.left` (the body's length), so a long name above many
 * such keys cannot make the answer outgrow the body.
 */
function reservedKeys(
  value: unknown,
  path: readonly string[],
  depth: number,
  out: FieldError[],
  room: { left: number },
): FieldError[] | null {
  if (typeof value !== 'object' || value === null) return out;
  if (depth >= MAX_BODY_DEPTH) return null;
  for (const [key, child] of Object.entries(value)) {
    const at = [...path, key];
    if (key === '__proto__' && !isArray(value)) {
      const length = at.reduce((n, part) => n + part.length + 1, -1);
      if (out.length === 0 || (room.left -= length) >= 0)
        out.push({ field: at.join('.'), message: 'is a reserved name and not accepted' });
    }
    if (reservedKeys(child, at, depth + 1, out, room) === null) return null;
  }
  return out;
}

/**
 * What a 415 says would have been accepted: `Accept` (RFC 9110 §15.5.16, §12.5.1), and for a
 * PATCH `Accept-Patch` ("SHOULD include an Accept-Patch response header", RFC 5789 §2.2).
 */
const unsupported = (request: Request, detail: string) =>
  new ManagementProblem('unsupported_media_type', detail, {
    headers: {
      Accept: 'application/json',
      ...(request.method === 'PATCH' ? { 'Accept-Patch': 'application/json' } : {}),
    },
  });

/** The parsed body, `{}` for an empty one. Throws 413, 415 or 400 problems. */
export async function readJson(request: Request, maxBytes: number): Promise<unknown> {
  const read = await readBody(request, maxBytes);
  if (read.bytes === null && read.reason === 'unreadable')
    throw invalid([{ field: 'body', message: 'could not be read' }]);
  if (read.bytes === null) throw new ManagementProblem('payload_too_large', `Body larger than ${maxBytes} bytes`);
  if (read.bytes.byteLength === 0) return {};
  const type = request.headers.get('content-type');
  if (!isJson(type)) throw unsupported(request, 'Send the body as application/json');
  if (request.method === 'PATCH' && !isPatchJson(type))
    throw unsupported(
      request,
      'Send the patch as application/json: an object of the members to set (JSON Merge Patch and JSON Patch are not supported)',
    );
  if (declaresOtherCharset(type!))
    throw unsupported(
      request,
      'Send the body as application/json in UTF-8: a charset other than utf-8 is not accepted (RFC 8259 §8.1)',
    );
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(read.bytes);
  } catch {
    throw invalid([{ field: 'body', message: 'is not valid UTF-8' }]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    throw invalid([{ field: 'body', message: 'is not valid JSON' }]);
  }
  // A member named twice: JSON.parse kept the last silently (json-keys.ts). Every one is named.
  // The depth is bounded on the text first: it also holds the members JSON.parse dropped.
  const repeatedAt = repeatedNames(text, MAX_BODY_DEPTH);
  const reserved = repeatedAt === null ? null : reservedKeys(value, [], 0, [], { left: text.length });
  if (reserved === null) throw invalid([{ field: 'body', message: `nests deeper than ${MAX_BODY_DEPTH} levels` }]);
  const repeated = repeatedAt!.map((field) => ({ field, message: 'is given more than once' }));
  if (reserved.length + repeated.length > 0) throw invalid([...reserved, ...repeated]);
  return value;
}
