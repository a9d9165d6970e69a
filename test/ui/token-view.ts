/** A live personal token's view, as the list shows it, for the page-walk tests (list-all, walk). */
export const tokenView = (id: string) => ({
  id,
  label: id,
  start: 'toado_sk_…abcd',
  ownerId: 'u_jason',
  kind: 'personal',
  workspaceId: null,
  status: 'active',
  createdAt: '2025-01-01T00:00:00.000Z',
  scopes: ['read'],
  effectiveScopes: ['read'],
  restrictions: null,
  createdBy: null,
  lastUsedSurface: null,
  expiresAt: null,
  revokedAt: null,
  lastUsedAt: null,
});
