/**
 * The `WWW-Authenticate` field of a 401 that a session decides (RFC 9110 §15.5.2: "The server
 * generating a 401 response MUST send a WWW-Authenticate header field … containing at least one
 * challenge applicable to the target resource"): one challenge per way in.
 *
 * - The session: `Cookie realm="…"`. No registered scheme names "signed in elsewhere, carried by
 *   the app's own cookie"; `Cookie` is the one proposed for it (draft-broyer-http-cookie-auth).
 *   Clients and browsers ignore a scheme they do not know (no login dialog: only Basic, Digest,
 *   NTLM and Negotiate open one).
 * - A keycard token, where one is accepted (`managementScope`): the request contract's own
 *   Bearer challenge (SPEC §8, RFC 6750 §3), the same bytes an API route answers without a token.
 *
 * Both in the keycard's realm, so a client sees one protection space.
 */
import { KeycardError } from '../core/errors.ts';
import type { Keycard } from '../keycard.ts';

/** Built once per handler: the keycard's realm and hints never change after construction. */
export function sessionChallenge(keycard: Keycard, bearerAccepted: boolean): string {
  // missing_token is one of problemFor's constant problems: always answered, always with a
  // `Bearer realm="…"` challenge (core/http.ts).
  const contract = keycard.authenticate.problemFor(new KeycardError('missing_token', 'Missing bearer token'))!;
  const bearer = contract.headers['WWW-Authenticate']!;
  // validateRealm keeps `"` out of the realm, so the first quoted string is all of it.
  const realm = /^Bearer (realm="[^"]*")/.exec(bearer)![1];
  return bearerAccepted ? `${bearer}, Cookie ${realm}` : `Cookie ${realm}`;
}
