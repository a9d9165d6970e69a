import { withKeycard } from 'keycard/next';
import { commentsOf, findTicket, pathOfTicket, problem } from '@/lib/data';
import { keycard } from '@/lib/keycard';

type Context = { params: Promise<{ ticket: string }> };

export const GET = withKeycard<Context>(keycard, { scope: 'read' }, async (_request, { identity, params }) => {
  const { ticket: id } = await params;
  const ticket = findTicket(id);
  if (!ticket) return problem(404, 'Not Found', `No ticket ${id}`);
  identity.assert(pathOfTicket(ticket), 'read');
  return Response.json({ ticket, comments: commentsOf(ticket.id) });
});
