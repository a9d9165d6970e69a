import { withKeycard } from 'keycard/next';
import { addComment, bodyOf, findTicket, pathOfTicket, problem, text } from '@/lib/data';
import { keycard } from '@/lib/keycard';

type Context = { params: Promise<{ ticket: string }> };

// A route that names a ticket learns its company and project only from the row.
export const POST = withKeycard<Context>(keycard, { scope: 'comments' }, async (request, { identity, params }) => {
  const { ticket: id } = await params;
  const ticket = findTicket(id);
  if (!ticket) return problem(404, 'Not Found', `No ticket ${id}`);
  identity.assert(pathOfTicket(ticket), 'write');
  const body = text(await bodyOf(request), 'body', 5000);
  if (body.error !== undefined) return problem(400, 'Bad Request', body.error);
  return Response.json({ comment: addComment(ticket, body.value, identity) }, { status: 201 });
});
