/**
 * Token hashing (SPEC §2): SHA-256 of the whole token string, or HMAC-SHA-256 keyed with a
 * versioned pepper. The implementation comes from the `#hash` alias: `node:crypto` under the
 * `node` condition (Node, Bun, Deno), keycard's portable SHA-256 (`sha256.web.ts`) everywhere else
 * (Workers, browsers) —
 * never chosen by sniffing `process`.
 */
import { hmacSha256Hex, sha256Hex } from '#hash';
import { invalidConfig } from './errors.ts';

/**
 * A server-side secret mixed into every token hash (HMAC key), so a stolen copy of the token table
 * cannot be checked against guesses offline without also stealing the pepper.
 */
export type Pepper =
  | {
      /** A positive integer stored beside each hash; 0 is reserved for "no pepper". */
      readonly version: number;
      /** At least 32 bytes of secret (a string is taken as UTF-8). */
      readonly secret: string | Uint8Array;
    }
  | {
      /**
       * The unpeppered generation (plain SHA-256), listed after a new pepper to adopt peppering
       * without invalidating existing tokens: they verify and are re-hashed under the pepper,
       * like any retiring one. See docs/tokens.md, "Adopting a pepper".
       */
      readonly version: 0;
      readonly secret?: undefined;
    };

/** Hashes tokens under the current pepper and recognises the retiring ones. */
export interface TokenHasher {
  /** The version new hashes are written under (0 = plain SHA-256). */
  readonly currentVersion: number;
  /** Versions tried after the current one misses, in the order the peppers are listed. */
  readonly retiringVersions: readonly number[];
  /** Hex digest of `token` under pepper `version` (default: current). */
  hash(token: string, version?: number): string;
}

const encoder = new TextEncoder();

/**
 * Builds the hasher for a list of peppers: the first is current, the rest are retiring (still
 * accepted, and re-hashed under the current one on their next successful verification). A pepper
 * removed from the list is retired: tokens still hashed under it stop verifying. `{ version: 0 }`
 * names the unpeppered generation, so a deployment can adopt a pepper without invalidating tokens.
 *
 * @example Rotating the pepper
 * ```ts
 * createHasher([{ version: 2, secret: env.PEPPER_V2 }, { version: 1, secret: env.PEPPER_V1 }]);
 * ```
 */
export function createHasher(peppers: readonly Pepper[] = []): TokenHasher {
  const keys = new Map<number, Uint8Array>();
  const listed = new Set<number>();
  for (const [i, p] of peppers.entries()) {
    if (!Number.isInteger(p.version) || p.version < 0) {
      throw invalidConfig(
        `peppers[${i}].version must be an integer >= 1 (or 0, without a secret, for the unpeppered generation)`,
      );
    }
    if (listed.has(p.version)) throw invalidConfig(`peppers[${i}].version ${p.version} is listed twice`);
    listed.add(p.version);
    if (p.version === 0) {
      if (p.secret !== undefined)
        throw invalidConfig(`peppers[${i}].version 0 is the unpeppered generation and takes no secret`);
      continue;
    }
    const secret: unknown = p.secret;
    const key =
      typeof secret === 'string'
        ? encoder.encode(secret)
        : secret instanceof Uint8Array
          ? new Uint8Array(secret)
          : null;
    if (key === null || key.length < 32) throw invalidConfig(`peppers[${i}].secret must be at least 32 bytes`);
    keys.set(p.version, key);
  }
  const currentVersion = peppers[0]?.version ?? 0;
  return {
    currentVersion,
    retiringVersions: peppers.slice(1).map((p) => p.version),
    hash(token, version = currentVersion) {
      if (version === 0) return sha256Hex(token);
      const key = keys.get(version);
      if (key === undefined) throw invalidConfig(`Unknown pepper version ${version}`);
      return hmacSha256Hex(key, token);
    },
  };
}

/**
 * Compares two strings in time that depends only on their lengths, for secret material (hashes).
 * Lookup by hash already hides the secret behind SHA-256; this guards the one comparison that
 * remains, so a store that matched loosely (a prefix, a collation) cannot be probed by timing.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}
