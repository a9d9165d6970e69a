// What MCP tool handlers see of a token: the SDK's AuthInfo (never the secret), the identity behind it, and the request
// info without Authorization. A restriction denial a tool raises with identityOf(extra).assert(...) is audited as a
// denial of its request, as keycardErrorHandler does over REST. Guide: docs/mcp.md.
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { MessageExtraInfo } from '@modelcontextprotocol/sdk/types.js';
import type { Identity } from '../../index.ts';

const infos = new WeakMap<AuthInfo, Identity>();

/**
 * The identity a tool sees for one request: the verified identity itself, except that the first
 * restriction denial its `assert` throws is reported (`report`, which audits it) before it is
 * rethrown. A Proxy, not a copy: the identity may be frozen and shared, and its methods keep
 * their own `this`, so its private fields stay reachable.
 */
function reporting(identity: Identity, report: (error: unknown) => void): Identity {
  let reported = false;
  const assert: Identity['assert'] = (path, access) => {
    try {
      identity.assert(path, access);
    } catch (error) {
      if (!reported) ((reported = true), report(error));
      throw error;
    }
  };
  return new Proxy(identity, {
    get(target, key) {
      if (key === 'assert') return assert;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * The SDK's view of a token (docs/mcp.md): scopes are the closure; `token` and `clientId` the id, never the secret.
 * With `report`, a restriction denial raised in a tool through {@link identityOf} is handed to it (the gate audits it).
 */
export function authInfoOf(
  identity: Identity,
  recheckSeconds: number,
  now: number,
  report?: (error: unknown) => void,
): AuthInfo {
  const until = Math.min(identity.expiresAt ?? Number.POSITIVE_INFINITY, now + recheckSeconds * 1000);
  const { tokenId, label, ownerId, kind, workspaceId, restrictions } = identity;
  const info: AuthInfo = {
    token: tokenId,
    clientId: tokenId,
    scopes: [...identity.scopes],
    expiresAt: Math.ceil(until / 1000),
    extra: { label, ownerId, kind, workspaceId, restrictions },
  };
  infos.set(info, report ? reporting(identity, report) : identity);
  return info;
}

/** The identity behind a tool handler's `extra`, or null when keycard did not authenticate it.
 * @example Restricting a tool to the token's projects: `identityOf(extra)!.assert({ company, project }, 'write')` (a throw becomes a tool error, audited as `request.denied`) */
export const identityOf = (extra?: { readonly authInfo?: AuthInfo }): Identity | null =>
  (extra?.authInfo && infos.get(extra.authInfo)) ?? null;

/** Tool handlers never see the secret: their request info loses `Authorization` and `access_token`. */
export function scrub(extra: MessageExtraInfo | undefined): MessageExtraInfo | undefined {
  if (!extra?.requestInfo) return extra;
  const {
    headers: { authorization: _secret, ...headers },
    url,
  } = extra.requestInfo;
  const clean = url && new URL(url);
  clean?.searchParams.delete('access_token');
  return { ...extra, requestInfo: { headers, ...(clean && { url: clean }) } };
}
