// keycard/mcp: how an MCP client refused for having no token finds where to get one (SPEC §16): the resource metadata
// of OAuth (RFC 9728), or the settings page where a person creates a token. Guide: docs/mcp.md#options.
import { KeycardError, type Keycard } from '../../index.ts';
import type { ResolvedMcpOptions } from './options.ts';

/** The warning of a gate whose answers point nowhere (exported for the tests). */
export const UNDISCOVERABLE =
  "keycard/mcp: a request without a token is refused with no hint of where to get one, so an MCP client can neither find OAuth nor tell its user where tokens come from (SPEC §16). Set createKeycard's `settingsUrl` (the page where a person creates a token), or, with `oauth`, `resourceMetadataUrl` on createKeycard or mcpGate.";

/**
 * What the gate adds to the challenge of a refusal that carried no credentials: `, resource_metadata="…"`
 * with the gate's `resourceMetadataUrl`, else nothing. When neither it nor keycard's own answer
 * (its `settingsUrl` or `resourceMetadataUrl`) points anywhere, warns once, at construction,
 * through `onWarning`: an MCP client would look for OAuth discovery, find none, and stop.
 */
export function metadataHint(keycard: Keycard, o: Pick<ResolvedMcpOptions, 'resourceMetadataUrl' | 'onWarning'>) {
  if (o.resourceMetadataUrl !== undefined) return `, resource_metadata="${new URL(o.resourceMetadataUrl).href}"`;
  // keycard's own answer to a request without a token, as every adapter sends it.
  const own = keycard.authenticate.problemFor(new KeycardError('missing_token', 'no token'));
  if (!/\b(?:resource_metadata|error_description)=/.test(own?.headers['WWW-Authenticate'] ?? ''))
    (o.onWarning ?? ((m: string) => console.warn(m)))(UNDISCOVERABLE);
  return '';
}
