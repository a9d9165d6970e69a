/**
 * The calls `<keycard-tokens>` makes: the part of `keycard/client` it uses. The element depends on
 * this interface only, so an integrator may pass a client with their own `fetch` or headers
 * (`element.api = createManagementClient({ … })`); the default is a same-origin client under
 * the `base-path` attribute.
 */
import { createManagementClient, type ManagementClient } from '../client/index.ts';

export { ManagementError } from '../client/index.ts';
export type { CreateBody, ScopeCatalogueView, TokenView } from '../client/index.ts';

/** What the element needs from the server. */
export type TokensApi = Pick<
  ManagementClient,
  'list' | 'scopes' | 'create' | 'revoke' | 'rotate' | 'revokeAll' | 'activity'
>;

/** The default {@link TokensApi}: the management client under `basePath`, the session cookie riding along. */
export const clientFor = (basePath: string): TokensApi =>
  createManagementClient({ baseUrl: basePath || '/', credentials: 'same-origin' });
