/**
 * Prints the demo tokens and what to try, then lets the audit lines through.
 * @param {{ framework: string, base: string, issued: Awaited<ReturnType<typeof issueDemoTokens>> }} banner
 */
export function printBanner({
  framework,
  base,
  issued,
}: {
  framework: string;
  base: string;
  issued: Awaited<ReturnType<typeof issueDemoTokens>>;
}): void;
/** The one keycard of the process. */
export const keycard: import('keycard').Keycard<import('./config.js').Scope>;
export function issueDemoTokens(): Promise<
  ({
    env: string;
  } & import('keycard').IssuedToken)[]
>;
