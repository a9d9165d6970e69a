import { withKeycard } from 'keycard/next';
import { db, pathOfCompany } from '@/lib/data';
import { keycard } from '@/lib/keycard';

// Listings: a restricted token gets only the rows it may read, never a 403 for a foreign row.
export const GET = withKeycard(keycard, { scope: 'read' }, (_request, { identity }) =>
  Response.json({ companies: identity.filter(db.companies, pathOfCompany) }),
);
