import { withKeycard } from 'keycard/next';
import { db, pathOfTicket } from '@/lib/data';
import { keycard } from '@/lib/keycard';

// Every ticket the token may read: a token restricted to Acme / Website sees only those.
export const GET = withKeycard(keycard, { scope: 'read' }, (_request, { identity }) =>
  Response.json({ tickets: identity.filter(db.tickets, pathOfTicket) }),
);
