/**
 * @module keycard/ui
 * keycard/ui: `<keycard-tokens>`, the settings page for API tokens (SPEC §12). Browser code with
 * no runtime dependency; importing this module registers the element (once).
 *
 * @example In any server-rendered page
 * ```html
 * <script type="module">import 'keycard/ui';</script>
 * <keycard-tokens base-path="/api/tokens"></keycard-tokens>
 * ```
 */
import { KeycardTokensElement } from './element.ts';

export { KeycardTokensElement } from './element.ts';
export type { KeycardTokensEventMap } from './api.ts';
export { STRINGS, fill } from './strings.ts';
export type { Localization, StringKey } from './strings.ts';
export { clientFor, ManagementError } from './api.ts';
export type { TokensApi, TokenView, ScopeCatalogueView, CreateBody } from './api.ts';

/** Registers `<keycard-tokens>` under `name` unless something already holds that name. */
export function defineKeycardTokens(name = 'keycard-tokens'): void {
  if (typeof customElements !== 'undefined' && !customElements.get(name))
    customElements.define(name, class extends KeycardTokensElement {});
}

defineKeycardTokens();

declare global {
  interface HTMLElementTagNameMap {
    'keycard-tokens': KeycardTokensElement;
  }
}
