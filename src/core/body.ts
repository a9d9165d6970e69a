/**
 * Reads a request body once, up to a cap, as exact bytes: the leak intake verifies a signature
 * over the raw body, so nothing may parse, decode or re-serialise it first (GitHub's docs: "use
 * the raw message body … instead of parsing and stringifying the JSON"), and the management API
 * parses the same bytes as JSON.
 */
import { freeze } from './builtins.ts';

/**
 * The body's bytes; `too_large` once more than `max` bytes were announced or read; `unreadable`
 * when the client's stream failed (a reset connection, a broken chunked encoding): its fault, a 400.
 */
export type BodyRead =
  { readonly bytes: Uint8Array } | { readonly bytes: null; readonly reason: 'too_large' | 'unreadable' };

const TOO_LARGE: BodyRead = freeze({ bytes: null, reason: 'too_large' as const });
const UNREADABLE: BodyRead = freeze({ bytes: null, reason: 'unreadable' as const });

/** What `readBody` reads: a request, or a response (the JWKS of `keycard/oauth`). */
type WithBody = Pick<Request, 'headers' | 'body'>;

/**
 * Reads `request`'s body, refusing it as soon as it passes `max` bytes: a `Content-Length` over
 * the cap is refused before reading, and a body that streams past it (chunked, or a lying length)
 * is cancelled at the first chunk over, so memory stays bounded by `max` plus one chunk. When
 * `signal` aborts (a deadline), the body is cancelled and the read is `unreadable`: a peer that
 * trickles bytes forever is dropped, not read on in the background.
 */
export async function readBody(request: WithBody, max: number, signal?: AbortSignal): Promise<BodyRead> {
  try {
    return await readCapped(request, max, signal);
  } catch {
    return UNREADABLE;
  }
}

async function readCapped(request: WithBody, max: number, signal: AbortSignal | undefined): Promise<BodyRead> {
  const announced = request.headers.get('content-length');
  if (announced !== null && /^\d+$/.test(announced.trim()) && Number(announced) > max) return TOO_LARGE;
  if (request.body === null) return { bytes: new Uint8Array(0) };
  const reader = request.body.getReader();
  // Cancelling settles a pending read as done; the abort check after it tells that from the end.
  const stop = () => void reader.cancel().catch(() => undefined);
  if (signal?.aborted) stop();
  signal?.addEventListener('abort', stop, { once: true });
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (signal?.aborted) return UNREADABLE;
      if (done) break;
      size += value.byteLength;
      if (size > max) {
        await reader.cancel().catch(() => undefined);
        return TOO_LARGE;
      }
      chunks.push(value);
    }
  } finally {
    signal?.removeEventListener('abort', stop);
  }
  if (chunks.length === 1) return { bytes: chunks[0]! };
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return { bytes };
}
