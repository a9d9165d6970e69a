import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { coveredByRevokeAll, type RevokeAllFilter } from './store.ts';

const id = fc.constantFrom('a', 'b', 'c');
const filter: fc.Arbitrary<RevokeAllFilter> = fc.oneof(
  id.map((ownerId) => ({ ownerId })),
  id.map((workspaceId) => ({ workspaceId })),
);
const token = fc.record({
  kind: fc.constantFrom('personal' as const, 'workspace' as const, 'oauth' as const),
  ownerId: id,
  workspaceId: fc.option(id),
});

describe('coveredByRevokeAll, the one definition stores, caches and sessions share', () => {
  // "Member left" ends the owner's personal tokens only, never the workspace tokens they created
  // nor another issuer's (OAuth) identities; "leak: revoke all" ends the workspace's workspace
  // tokens only, never a personal token that happens to carry the workspace id.
  test.prop([filter, token], { numRuns: 500 })(
    'covers exactly the kind the filter names, matching on its id',
    (f, t) => {
      const expected =
        'ownerId' in f
          ? t.kind === 'personal' && t.ownerId === f.ownerId
          : t.kind === 'workspace' && t.workspaceId === f.workspaceId;
      expect(coveredByRevokeAll(f, t)).toBe(expected);
    },
  );
});
