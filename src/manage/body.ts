/**
 * Reading a JSON body with a hard cap. A declared `Content-Length` over the cap is refused before
 * reading; an undeclared (chunked) body is read only until it passes the cap, then the stream is
 * cancelled, so no more than `maxBytes` + one chunk is ever held.
 */
import { readBody } from '../core/body.ts';
import { ManagementProblem, invalid } from './problem.ts';

const isJson = (type: string | null) =>
  type !== null && /^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i.test(type.trim());

/** The parsed body, `{}` for an empty one. Throws 413, 415 or 400 problems. */
export async function readJson(request: Request, maxBytes: number): Promise<unknown> {
  const read = await readBody(request, maxBytes);
  if (read.bytes === null) throw new ManagementProblem('payload_too_large', `Body larger than ${maxBytes} bytes`);
  if (read.bytes.byteLength === 0) return {};
  if (!isJson(request.headers.get('content-type')))
    throw new ManagementProblem('unsupported_media_type', 'Send the body as application/json');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(read.bytes);
  } catch {
    throw invalid([{ field: 'body', message: 'is not valid UTF-8' }]);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalid([{ field: 'body', message: 'is not valid JSON' }]);
  }
}
