/**
 * Meeting a server that may be hostile, shared by `keycard/client` and `keycard/cli`: its answer
 * read no further than a cap, its words as a terminal may show them, and what a request that got
 * no answer met. Web APIs only (streams, TextDecoder), so it runs in browsers as in Node.
 */

/**
 * The body of `r` as UTF-8 text (malformed bytes replaced, a BOM dropped, as `Response.json`
 * does), or null as soon as it passes `cap` bytes. The stream is then cancelled, which closes the
 * connection: a server streaming without end costs this process `cap` bytes, not memory for ever.
 */
export async function readCapped(r: Response, cap: number): Promise<string | null> {
  if (r.body === null) return '';
  const reader = r.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      size += next.value.byteLength;
      if (size > cap) return null;
      chunks.push(next.value);
    }
    done = true;
  } finally {
    // Past the cap, or the read failed: stop the download (errors from a broken stream are moot).
    if (!done) reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/**
 * The server's words as a terminal may show them: each control character (C0, DEL, C1: ESC, CSI,
 * CR, LF…), line or paragraph separator (U+2028, U+2029) and invisible format character (Unicode
 * Cf: bidi marks, embeddings, overrides and isolates, U+061C, zero-width space, word joiner, the
 * BOM, tag characters…) replaced by U+FFFD. An error message is printed, and `ESC ] 52` writes the
 * clipboard, `ESC [ 2J` clears the screen, a CR, separator or bidi override makes a line read as
 * something else, and an invisible character hides text. ZWNJ and ZWJ (U+200C, U+200D) stay: they
 * only join or part the letters around them (Persian, Indic scripts, emoji sequences).
 */
export const printable = (text: string): string =>
  text.replace(/(?![\u200c\u200d])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u2065]/gu, '\ufffd');

/** `text` cut to at most `max` characters (the last one `…`), never splitting a surrogate pair. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 2);
  return `${text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 2 : max - 1)}…`;
}

/** True for a redirect status (3xx), which neither `keycard/client` nor `deviceLogin` follows. */
export const isRedirect = (status: number): boolean => status >= 300 && status < 400;

/**
 * What a request that got no reply met, for a message: the system's code (`ECONNREFUSED`,
 * `ENOTFOUND`, `CERT_HAS_EXPIRED`, …) that node's fetch puts on its `TypeError`'s cause, "a port
 * fetch refuses" for the Fetch standard's bad ports (6000, 6666, …: never dialled, no code), or null.
 */
export function failureCode(error: unknown): string | null {
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const code = cause?.code;
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) return code;
  return cause?.message === 'bad port' ? 'a port fetch refuses' : null;
}
