/**
 * Express: writing a Web `Response` back through Node's response, for `expressHandler`. Status and
 * header fields go as the handler set them; the body as it comes, so an audit export streams.
 */
import type { ServerResponse } from 'node:http';

/** Settles once `res` can take more (`drain`) or is gone (`close`). */
const writable = (res: ServerResponse) =>
  new Promise<void>((resolve) => {
    const go = () => (res.off('drain', go).off('close', go), resolve());
    res.on('drain', go).on('close', go);
  });

/** The next chunk if the body holds it already, else null: waits for nothing still being produced. */
const ready = <T>(read: Promise<T>) =>
  Promise.race([read, new Promise<null>((resolve) => setImmediate(resolve, null))]);

/**
 * Writes `response` to `res`. A body the handler made whole (every answer of the management API) is
 * read at once (what it holds without waiting, up to 64 chunks) and sent with its length
 * (`writeHead` would otherwise send it chunked), as a HEAD's
 * header fields are, its body left unread. A body still being produced (`exportAudit`'s stream) is
 * sent chunked as each chunk comes, one write at a time (`drain` awaited when Node's buffer is
 * full), and cancelled if the client hangs up, so its source stops reading. A body that fails before
 * anything was sent rejects (Express's error handler answers); after, the connection is cut.
 */
export async function send(res: ServerResponse, response: globalThis.Response, head: boolean): Promise<void> {
  const out: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    out[name] = value;
  });
  // `Headers` gives each Set-Cookie on its own under one name: all of them, not the last.
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 1) out['set-cookie'] = cookies;
  if (head || response.body === null) {
    void response.body?.cancel().catch(() => {});
    res.writeHead(response.status, out).end();
    return;
  }
  const reader = response.body.getReader();
  // A client that hangs up cancels the body, so its source stops reading; one gone before `send`
  // ran (while the handler worked) fired `close` already: cancelled now.
  const stop = () => void (res.writableFinished || reader.cancel().catch(() => {}));
  if (res.destroyed) stop();
  else res.on('close', stop);
  const chunks: Uint8Array[] = [];
  let next = reader.read();
  // At most 64 chunks: a source that always has one ready (a generator) is streamed, not read whole.
  for (let got = await ready(next); got !== null; got = chunks.length < 64 ? await ready(next) : null) {
    if (got.done) {
      const bytes = Buffer.concat(chunks);
      out['content-length'] ??= String(bytes.byteLength);
      res.writeHead(response.status, out).end(bytes);
      return;
    }
    chunks.push(got.value);
    next = reader.read();
  }
  res.writeHead(response.status, out);
  for (const chunk of chunks) res.write(chunk);
  try {
    for (let got = await next; !got.done && !res.destroyed; got = await reader.read())
      if (!res.write(got.value)) await writable(res);
    if (!res.destroyed) res.end();
  } catch (e) {
    res.destroy(e as Error);
  }
}
