/** A raw-socket HTTP/1.0 client: sends exactly the header lines it is given (two Authorization fields stay two). */
import { connect } from 'node:net';

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export async function rawRequest(
  port: number,
  method: string,
  path: string,
  headers: Readonly<Record<string, string | readonly string[]>>,
): Promise<RawResponse> {
  const lines = [`${method} ${path} HTTP/1.0`, 'Host: 127.0.0.1'];
  for (const [name, value] of Object.entries(headers)) for (const v of [value].flat()) lines.push(`${name}: ${v}`);
  const text = await sendRaw(port, `${lines.join('\r\n')}\r\n\r\n`);
  const split = text.indexOf('\r\n\r\n');
  const [statusLine, ...headerLines] = text.slice(0, split).split('\r\n');
  const out: Record<string, string> = {};
  for (const l of headerLines) {
    const i = l.indexOf(':');
    const k = l.slice(0, i).toLowerCase();
    const v = l.slice(i + 1).trim();
    out[k] = out[k] === undefined ? v : `${out[k]}, ${v}`;
  }
  return { status: Number(statusLine!.split(' ')[1]), headers: out, body: text.slice(split + 4) };
}

/** Writes `bytes` as is on a fresh socket to 127.0.0.1:`port` and answers all the server sent until it closed. */
export function sendRaw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('raw request timed out')));
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.write(bytes);
  });
}
