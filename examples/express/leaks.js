// Tokens that die when they leak (docs/leaks.md): GitHub's secret scanning POSTs every public
// match of `toado_sk_…` here, signed; keycard checks the signature, revokes the live tokens and
// calls onLeak. A real app emails the owner; this example prints what it would send.
import { createLeakIntakeHandler } from 'keycard';
import { keycard } from '@keycard-examples/shared/keycard';

export const leakIntake = createLeakIntakeHandler(keycard, {
  provider: 'github',
  onLeak: ({ record, url, source }) => {
    console.log(
      [
        `leak: would email the owner ${record.ownerId}:`,
        `  Your API token "${record.label}" (${record.start}) was found in public (${source}) at`,
        `  ${url || '(no URL given)'} and has been revoked. Create a new one in Settings → API tokens.`,
      ].join('\n'),
    );
  },
});
