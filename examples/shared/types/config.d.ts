/**
 * Issues the demo tokens one after the other (the secrets are returned once).
 * @param {import('keycard').Keycard<Scope>} keycard
 * @param {readonly DemoTokenInput[]} [tokens]
 * @returns {Promise<({ env: string } & import('keycard').IssuedToken)[]>}
 */
export function issueDemoTokens(
  keycard: import('keycard').Keycard<Scope>,
  tokens?: readonly DemoTokenInput[],
): Promise<
  ({
    env: string;
  } & import('keycard').IssuedToken)[]
>;
/** @typedef {'read' | 'comments' | 'tickets:write' | 'tickets:assign'} Scope */
/**
 * A demo token: `env` is the shell variable the banner exports it as.
 * @typedef {{ env: string } & import('keycard').IssueInput<Scope>} DemoTokenInput
 */
/** @type {import('keycard').ScopeCatalogue<Scope>} */
export const scopes: import('keycard').ScopeCatalogue<Scope>;
/**
 * The options every example passes to `createKeycard`, beside its own `audit` (and, for MCP,
 * `settingsUrl`).
 * @type {Readonly<import('keycard').KeycardOptions<Scope>>}
 */
export const keycardOptions: Readonly<import('keycard').KeycardOptions<Scope>>;
/**
 * The demo tokens, Toado's use cases. A real app shows a token once, to the person who created
 * it; the examples print them so that you can try the API right away.
 * @type {readonly DemoTokenInput[]}
 */
export const DEMO_TOKENS: readonly DemoTokenInput[];
export function tryLines(base: string): string[];
export type Scope = 'read' | 'comments' | 'tickets:write' | 'tickets:assign';
/**
 * A demo token: `env` is the shell variable the banner exports it as.
 */
export type DemoTokenInput = {
  env: string;
} & import('keycard').IssueInput<Scope>;
