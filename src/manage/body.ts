/**
 * Reading a JSON body with a hard cap. A declared `Content-Length` over the cap is refused before
 * reading; an undeclared (chunked) body is read only until it passes the cap, then the stream is
 * cancelled, so no more than `maxBytes` + one chunk is ever held.
 */
import { ManagementProblem, invalid } from './problem.ts';

const isJson = (type: string | null) => type !== null && /^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i.test(type.trim());

/** The parsed body, `{}` for an empty one. Throws 413, 415 or 400 problems. */
export async function readJson(request: Request, maxBytes: number): Promise<unknown> {
  const tooLarge = () => new ManagementProblem('payload_too_large', `Body larger than ${maxBytes} bytes`);
  const declared = request.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > maxBytes) throw tooLarge();
  if (request.body === null) return {};
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  if (size === 0) return {};
  if (!isJson(request.headers.get('content-type'))) throw new ManagementProblem('unsupported_media_type', 'Send the body as application/json');
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw invalid([{ field: 'body', message: 'is not valid UTF-8' }]);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalid([{ field: 'body', message: 'is not valid JSON' }]);
  }
}
