// The management API (docs/management.md) and the device login routes, behind the demo session:
// one Fetch handler, exported for every method it answers.
import { manage } from '@/lib/demo-session';

export const dynamic = 'force-dynamic';

export { manage as GET, manage as HEAD, manage as POST, manage as PATCH };
