// keycard/mcp: the verifier for the MCP SDK's requireBearerAuth. Behind mcpGate it hands back the gate's
// answer for the same request; alone it falls back to keycard.verify().
import { AsyncLocalStorage } from 'node:async_hooks';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { KeycardError, type Keycard } from '../../index.ts';
import { authInfoOf } from './info.ts';
import { checkKeycard } from '../requirement.ts';
import { resolveMcpOptions, type McpOptions } from './options.ts';

/** The gate's answer for the request in flight, which `mcpVerifier` picks up (the SDK hands it the token only). */
export const held = new AsyncLocalStorage<{ keycard: Keycard; header: string | undefined; info: AuthInfo }>();
/**
 * An `OAuthTokenVerifier` for the SDK's `requireBearerAuth`. Behind `mcpGate` it returns the
 * gate's AuthInfo for the same request (no second lookup); alone it falls back to
 * `keycard.verify()` — ⚠️ then there is no rate limit and no audit event: mount the gate.
 */
export function mcpVerifier(keycard: Keycard, options: Pick<McpOptions, 'recheckSeconds'> = {}): OAuthTokenVerifier {
  checkKeycard(keycard, 'mcpVerifier', 'mcpVerifier(keycard)', undefined, options, () =>
    resolveMcpOptions(options, 'mcpVerifier', ['recheckSeconds']),
  );
  const recheck = resolveMcpOptions(options, 'mcpVerifier', ['recheckSeconds']).recheckSeconds;
  return {
    async verifyAccessToken(token) {
      const h = held.getStore();
      if (h?.keycard === keycard && h.header?.split(' ')[1] === token) return h.info;
      const r = await keycard.verify(token);
      if (r.ok) return authInfoOf(r.identity, recheck, keycard.clock.now());
      // The SDK answers by the error's class: load it only here, so importing keycard/mcp needs no SDK.
      const { InvalidTokenError, ServerError } = await import('@modelcontextprotocol/sdk/server/auth/errors.js');
      const detail = (
        JSON.parse(keycard.authenticate.problemFor(new KeycardError(r.code, r.code))!.body) as { detail: string }
      ).detail;
      throw r.code === 'unavailable' ? new ServerError(detail) : new InvalidTokenError(detail);
    },
  };
}
