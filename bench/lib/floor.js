// The floor: the least work a request check of keycard's shape can do, written by hand, synchronous,
// with no option, no error path beyond a status code, no allocation it can avoid. Every figure of
// the verify part is read against it. It is a speed reference, not a design: its window counter is
// the usual two-bucket approximation, which is NOT safe in the sense of SPEC §5 (it can admit more
// than `limit` in some windows); keycard's limiter is held to ≤ 1.5 × its cost all the same.

import crypto from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DECODE = new Uint8Array(128);
for (let i = 0; i < BASE62.length; i++) DECODE[BASE62.charCodeAt(i)] = i + 1;

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** CRC-32 (IEEE) of the first `end` characters of an ASCII string. */
function crc32(text, end) {
  let crc = -1;
  for (let i = 0; i < end; i++) crc = CRC_TABLE[(crc ^ text.charCodeAt(i)) & 0xff] ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

/**
 * A two-bucket (sliding-window) counter over a plain object `{ start, prev, curr }`:
 * estimate = prev · (1 − elapsed / W) + curr. Returns the remaining quota, or −1 when refused.
 */
export function windowAdmit(w, now, limit, windowMs) {
  let elapsed = now - w.start;
  if (elapsed >= windowMs) {
    const k = Math.floor(elapsed / windowMs);
    w.prev = k === 1 ? w.curr : 0;
    w.curr = 0;
    w.start += k * windowMs;
    elapsed -= k * windowMs;
  }
  const used = w.prev * (1 - elapsed / windowMs) + w.curr;
  if (used >= limit) return -1;
  w.curr++;
  return Math.floor(limit - used - 1);
}

/** The floor limiter alone: a `Map` from key to a two-bucket window. */
export function floorLimiter() {
  const windows = new Map();
  return {
    consume(key, limit, windowSeconds) {
      const now = performance.now();
      let w = windows.get(key);
      if (w === undefined) {
        w = { start: now, prev: 0, curr: 0 };
        windows.set(key, w);
      }
      return windowAdmit(w, now, limit, windowSeconds * 1000);
    },
    size: () => windows.size,
  };
}

export const SCOPE_READ = 1;
export const SCOPE_WRITE = 2;

/**
 * The floor request check over `tokens` (keycard-format secrets of `prefix`): parse the bearer
 * header, check prefix, length and CRC-32, `crypto.hash('sha256')`, `Map.get`, expiry and
 * revocation, a bitmask scope test, a two-bucket window counter kept in the record, and an audit
 * event pushed into a ring buffer. Returns the record, or a status number (401 / 403 / 429).
 */
export function floorPipeline(
  tokens,
  { prefix = 'bench', type = 'sk', limit = 1e9, windowSeconds = 60, ringSize = 4096 } = {},
) {
  const head = `${prefix}_${type}_`;
  const length = head.length + 1 + 32 + 6;
  const checksumAt = length - 6;
  const windowMs = windowSeconds * 1000;
  const records = new Map();
  const at = Date.now();
  tokens.forEach((token, i) => {
    records.set(crypto.hash('sha256', token, 'hex'), {
      id: `tok_${i}`,
      ownerId: `user_${i % 500}`,
      scopes: SCOPE_READ,
      expiresAt: at + 365 * 86_400_000,
      revoked: false,
      window: { start: 0, prev: 0, curr: 0 },
    });
  });
  const ring = new Array(ringSize).fill(null);
  const mask = ringSize - 1;
  let written = 0;

  function check(method, url, authorization, need) {
    if (
      typeof authorization !== 'string' ||
      authorization.length !== 7 + length ||
      !authorization.startsWith('Bearer ')
    )
      return 401;
    if (!authorization.startsWith(head, 7)) return 401;
    let expected = 0;
    for (let i = 7 + checksumAt; i < authorization.length; i++) {
      const c = authorization.charCodeAt(i);
      if (c >= 128 || DECODE[c] === 0) return 401;
      expected = expected * 62 + DECODE[c] - 1;
    }
    const token = authorization.slice(7);
    if (expected !== crc32(token, checksumAt)) return 401;
    const record = records.get(crypto.hash('sha256', token, 'hex'));
    if (record === undefined || record.revoked) return 401;
    const wall = Date.now();
    if (wall >= record.expiresAt) return 401;
    if (windowAdmit(record.window, performance.now(), limit, windowMs) < 0) return 429;
    if ((record.scopes & need) !== need) return 403;
    const q = url.indexOf('?');
    ring[written++ & mask] = {
      type: 'request.allowed',
      time: wall,
      tokenId: record.id,
      ownerId: record.ownerId,
      method,
      path: q === -1 ? url : url.slice(0, q),
    };
    return record;
  }

  return { check, records, audited: () => written };
}
