import { withKeycard } from 'keycard/next';
import { assign, bodyOf, findTicket, pathOfTicket, problem, users } from '@/lib/data';
import { keycard } from '@/lib/keycard';

type Context = { params: Promise<{ ticket: string }> };

export const POST = withKeycard<Context>(
  keycard,
  { scope: 'tickets:assign' },
  async (request, { identity, params }) => {
    const { ticket: id } = await params;
    const ticket = findTicket(id);
    if (!ticket) return problem(404, 'Not Found', `No ticket ${id}`);
    identity.assert(pathOfTicket(ticket), 'write');
    const assignee = ((await bodyOf(request)) as { assignee?: unknown } | undefined)?.assignee;
    if (assignee !== null && !(typeof assignee === 'string' && users.has(assignee))) {
      return problem(400, 'Bad Request', 'assignee must be a user id (u_jason, u_maria, u_priya) or null');
    }
    return Response.json({ ticket: assign(ticket, assignee, identity) });
  },
);
