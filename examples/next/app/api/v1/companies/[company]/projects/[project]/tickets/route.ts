import { withKeycard } from 'keycard/next';
import { bodyOf, createTicket, db, findProject, problem, text } from '@/lib/data';
import { keycard } from '@/lib/keycard';

type Context = { params: Promise<{ company: string; project: string }> };

// withKeycard checks the scope before the handler runs; the restriction is checked in the handler,
// where Next hands over the route's params: assert() throws a KeycardError answered as a 403.
export const GET = withKeycard<Context>(keycard, { scope: 'read' }, async (_request, { identity, params }) => {
  const { company, project: projectId } = await params;
  identity.assert({ company, project: projectId }, 'read');
  const project = findProject(company, projectId);
  if (!project) return problem(404, 'Not Found', `No project ${projectId} in company ${company}`);
  return Response.json({ tickets: db.tickets.filter((t) => t.projectId === project.id) });
});

export const POST = withKeycard<Context>(keycard, { scope: 'tickets:write' }, async (request, { identity, params }) => {
  const { company, project: projectId } = await params;
  identity.assert({ company, project: projectId }, 'write');
  const project = findProject(company, projectId);
  if (!project) return problem(404, 'Not Found', `No project ${projectId} in company ${company}`);
  const title = text(await bodyOf(request), 'title', 200);
  if (title.error !== undefined) return problem(400, 'Bad Request', title.error);
  return Response.json({ ticket: createTicket(project, title.value, identity) }, { status: 201 });
});
