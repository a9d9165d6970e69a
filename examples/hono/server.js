// keycard on Hono (served by @hono/node-server): the tickets API of ../shared/data.js behind
// scoped, rate-limited bearer tokens. Start it with `npm start` (PORT, default 3001); it prints demo
// tokens and curl lines to try.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { honoGuard } from 'keycard/hono';
import { demoPages } from '@keycard-examples/shared/demo-pages';
import { demoManagement } from '@keycard-examples/shared/demo-session';
import { createData, pathOfCompany, pathOfProject, pathOfTicket, text, users } from '@keycard-examples/shared/data';
import { issueDemoTokens, keycard, printBanner } from '@keycard-examples/shared/keycard';

const db = createData(); // this server's tickets, companies and comments, in memory

const PORT = Number(process.env.PORT ?? 3001);
const HOST = '127.0.0.1';

const guard = (requirement) => honoGuard(keycard, requirement);

const problem = (c, status, title, detail) =>
  c.body(JSON.stringify({ type: 'about:blank', title, status, detail }), status, {
    'Content-Type': 'application/problem+json',
  });

/** The JSON body, or null when it is not JSON (read after the guard: never for an anonymous caller). */
async function bodyOf(c) {
  try {
    return await c.req.json();
  } catch {
    return null;
  }
}

// In TypeScript: `new Hono<KeycardEnv>()` (from 'keycard/hono') types c.get('keycard').
const api = new Hono();

// Listings: a restricted token gets only the rows it may read, never a 403 for a foreign row.
api.get('/companies', guard({ scope: 'read' }), (c) =>
  c.json({ companies: c.get('keycard').filter(db.companies, pathOfCompany) }),
);

api.get('/companies/:company/projects', guard({ scope: 'read' }), (c) => {
  const id = c.get('keycard');
  const companyId = c.req.param('company');
  // Naming a company the token may not read is a 403 (checked before the lookup: no existence leak).
  id.assert({ company: companyId }, 'read');
  const company = db.companies.find((co) => co.id === companyId);
  if (!company) return problem(c, 404, 'Not Found', `No company ${companyId}`);
  return c.json({
    projects: id.filter(
      db.projects.filter((p) => p.companyId === company.id),
      pathOfProject,
    ),
  });
});

api.get('/tickets', guard({ scope: 'read' }), (c) =>
  c.json({ tickets: c.get('keycard').filter(db.tickets, pathOfTicket) }),
);

// A requirement may be a function of the request context: the route's parameters are known in
// its own middleware, so the resource check is declared with the scope and keycard refuses the
// request (403 forbidden_resource, audited as a denial) before the handler runs.
const projectResource = (access) => (c) => ({
  scope: access === 'write' ? 'tickets:write' : 'read',
  resource: { path: { company: c.req.param('company'), project: c.req.param('project') }, access },
});

api.get('/companies/:company/projects/:project/tickets', guard(projectResource('read')), (c) => {
  const project = db.findProject(c.req.param('company'), c.req.param('project'));
  if (!project)
    return problem(c, 404, 'Not Found', `No project ${c.req.param('project')} in company ${c.req.param('company')}`);
  return c.json({ tickets: db.tickets.filter((t) => t.projectId === project.id) });
});

api.post('/companies/:company/projects/:project/tickets', guard(projectResource('write')), async (c) => {
  const project = db.findProject(c.req.param('company'), c.req.param('project'));
  if (!project)
    return problem(c, 404, 'Not Found', `No project ${c.req.param('project')} in company ${c.req.param('company')}`);
  const title = text(await bodyOf(c), 'title', 200);
  if (title.error) return problem(c, 400, 'Bad Request', title.error);
  return c.json({ ticket: db.createTicket(project, title.value, c.get('keycard')) }, 201);
});

api.get('/tickets/:ticket', guard({ scope: 'read' }), (c) => {
  const ticket = db.findTicket(c.req.param('ticket'));
  if (!ticket) return problem(c, 404, 'Not Found', `No ticket ${c.req.param('ticket')}`);
  c.get('keycard').assert(pathOfTicket(ticket), 'read');
  return c.json({ ticket, comments: db.commentsOf(ticket.id) });
});

// Routes that name a ticket learn its company and project only from the row, so they check the
// restriction in the handler: assert() throws a KeycardError that the guard answers with a 403.
api.post('/tickets/:ticket/comments', guard({ scope: 'comments' }), async (c) => {
  const ticket = db.findTicket(c.req.param('ticket'));
  if (!ticket) return problem(c, 404, 'Not Found', `No ticket ${c.req.param('ticket')}`);
  c.get('keycard').assert(pathOfTicket(ticket), 'write');
  const body = text(await bodyOf(c), 'body', 5000);
  if (body.error) return problem(c, 400, 'Bad Request', body.error);
  return c.json({ comment: db.addComment(ticket, body.value, c.get('keycard')) }, 201);
});

api.post('/tickets/:ticket/assign', guard({ scope: 'tickets:assign' }), async (c) => {
  const ticket = db.findTicket(c.req.param('ticket'));
  if (!ticket) return problem(c, 404, 'Not Found', `No ticket ${c.req.param('ticket')}`);
  c.get('keycard').assert(pathOfTicket(ticket), 'write');
  const assignee = (await bodyOf(c))?.assignee;
  if (assignee !== null && !users.has(assignee))
    return problem(c, 400, 'Bad Request', 'assignee must be a user id (u_jason, u_maria, u_priya) or null');
  return c.json({ ticket: db.assign(ticket, assignee, c.get('keycard')) });
});

const app = new Hono();
app.route('/api/v1', api);
// Settings → API tokens: the management API (and the device login routes) behind the demo
// session; the demo sign-in and the settings page. Both are Fetch handlers: Hono passes c.req.raw.
const manage = demoManagement(keycard);
app.all('/api/tokens/*', (c) => manage(c.req.raw));
app.get('/demo/login', async (c) => (await demoPages(c.req.raw)) ?? c.notFound());
app.get('/settings/tokens', async (c) => (await demoPages(c.req.raw)) ?? c.notFound());
app.get('/assets/keycard/:file', async (c) => (await demoPages(c.req.raw)) ?? c.notFound());
app.notFound((c) => problem(c, 404, 'Not Found', `No route ${c.req.method} ${c.req.path}`));
app.onError((err, c) => {
  // Hono calls onError before the guard sees a thrown error, and its default handler logs it as
  // a 500. A keycard denial raised in a handler (assert) is a 403 problem, not an error to log
  // (the guard then answers it again, adding the rate-limit headers); the rest is the app's own.
  const p = keycard.authenticate.problemFor(err);
  if (p) return new Response(p.body, { status: p.status, headers: p.headers });
  console.error(err);
  return problem(c, 500, 'Internal Server Error', 'Something went wrong');
});

const issued = await issueDemoTokens();
const server = serve({ fetch: app.fetch, port: PORT, hostname: HOST }, () => {
  printBanner({ framework: 'Hono', base: `http://${HOST}:${PORT}`, issued });
});
server.on('error', (error) => {
  console.error(`Cannot listen on ${HOST}:${PORT}: ${error.message}`);
  process.exit(1);
});

let stopping = false;
async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: closing the server`);
  // Stop accepting, let requests in flight finish (5 s at most), then flush keycard's audit
  // events and lastUsedAt writes.
  const closed = new Promise((resolve) => server.close(resolve));
  setTimeout(() => server.closeAllConnections?.(), 5000).unref();
  await closed;
  await keycard.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
