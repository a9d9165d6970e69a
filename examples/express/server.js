// keycard on Express 5: the tickets API of ../shared/data.js behind scoped, rate-limited bearer
// tokens. Start it with `npm start` (PORT, default 3000); it prints demo tokens and curl lines to try.
import { STATUS_CODES } from 'node:http';
import express from 'express';
import { expressGuard, expressHandler, keycardErrorHandler } from 'keycard/express';
import { demoPages } from '@keycard-examples/shared/demo-pages';
import { demoManagement } from '@keycard-examples/shared/demo-session';
import { createData, pathOfCompany, pathOfProject, pathOfTicket, text, users } from '@keycard-examples/shared/data';
import { issueDemoTokens, keycard, printBanner } from '@keycard-examples/shared/keycard';
import { leakIntake } from './leaks.js';

const db = createData(); // this server's tickets, companies and comments, in memory

const PORT = Number(process.env.PORT ?? 3000);
const HOST = '127.0.0.1';

const guard = expressGuard(keycard);
// Bodies are parsed after the guard, so an unauthenticated request never reaches the parser.
const json = express.json({ limit: '16kb' });

const problem = (res, status, title, detail) =>
  res
    .status(status)
    .type('application/problem+json')
    .send(JSON.stringify({ type: 'about:blank', title, status, detail }));

const api = express.Router();

// Listings: a restricted token gets only the rows it may read, never a 403 for a foreign row.
api.get('/companies', guard({ scope: 'read' }), (req, res) => {
  res.json({ companies: req.keycard.filter(db.companies, pathOfCompany) });
});

api.get('/companies/:company/projects', guard({ scope: 'read' }), (req, res) => {
  // Naming a company the token may not read is a 403 (checked before the lookup: no existence leak).
  req.keycard.assert({ company: req.params.company }, 'read');
  const company = db.companies.find((c) => c.id === req.params.company);
  if (!company) return problem(res, 404, 'Not Found', `No company ${req.params.company}`);
  const rows = db.projects.filter((p) => p.companyId === company.id);
  res.json({ projects: req.keycard.filter(rows, pathOfProject) });
});

api.get('/tickets', guard({ scope: 'read' }), (req, res) => {
  res.json({ tickets: req.keycard.filter(db.tickets, pathOfTicket) });
});

// A requirement may be a function of the request. In a route's own middleware Express has set
// req.params, so the resource check can be declared with the scope: keycard refuses the request
// (403 forbidden_resource, audited as a denial) before the handler runs.
const projectResource = (access) => (req) => ({
  scope: access === 'write' ? 'tickets:write' : 'read',
  resource: { path: { company: req.params.company, project: req.params.project }, access },
});

api.get('/companies/:company/projects/:project/tickets', guard(projectResource('read')), (req, res) => {
  const project = db.findProject(req.params.company, req.params.project);
  if (!project)
    return problem(res, 404, 'Not Found', `No project ${req.params.project} in company ${req.params.company}`);
  res.json({ tickets: db.tickets.filter((t) => t.projectId === project.id) });
});

api.post('/companies/:company/projects/:project/tickets', guard(projectResource('write')), json, (req, res) => {
  const project = db.findProject(req.params.company, req.params.project);
  if (!project)
    return problem(res, 404, 'Not Found', `No project ${req.params.project} in company ${req.params.company}`);
  const title = text(req.body, 'title', 200);
  if (title.error) return problem(res, 400, 'Bad Request', title.error);
  res.status(201).json({ ticket: db.createTicket(project, title.value, req.keycard) });
});

api.get('/tickets/:ticket', guard({ scope: 'read' }), (req, res) => {
  const ticket = db.findTicket(req.params.ticket);
  if (!ticket) return problem(res, 404, 'Not Found', `No ticket ${req.params.ticket}`);
  req.keycard.assert(pathOfTicket(ticket), 'read');
  res.json({ ticket, comments: db.commentsOf(ticket.id) });
});

// Routes that name a ticket learn its company and project only from the row, so they check the
// restriction in the handler: assert() throws a KeycardError that keycard answers with a 403.
api.post('/tickets/:ticket/comments', guard({ scope: 'comments' }), json, (req, res) => {
  const ticket = db.findTicket(req.params.ticket);
  if (!ticket) return problem(res, 404, 'Not Found', `No ticket ${req.params.ticket}`);
  req.keycard.assert(pathOfTicket(ticket), 'write');
  const body = text(req.body, 'body', 5000);
  if (body.error) return problem(res, 400, 'Bad Request', body.error);
  res.status(201).json({ comment: db.addComment(ticket, body.value, req.keycard) });
});

api.post('/tickets/:ticket/assign', guard({ scope: 'tickets:assign' }), json, (req, res) => {
  const ticket = db.findTicket(req.params.ticket);
  if (!ticket) return problem(res, 404, 'Not Found', `No ticket ${req.params.ticket}`);
  req.keycard.assert(pathOfTicket(ticket), 'write');
  const assignee = req.body?.assignee;
  if (assignee !== null && !users.has(assignee))
    return problem(res, 400, 'Bad Request', 'assignee must be a user id (u_jason, u_maria, u_priya) or null');
  res.json({ ticket: db.assign(ticket, assignee, req.keycard) });
});

const app = express();
app.disable('x-powered-by');
// GitHub secret scanning's partner endpoint (docs/leaks.md): before any body parser, since the
// signature covers the raw bytes. expressHandler streams them to the intake, which refuses a body
// over its cap (5 MB) while it arrives, so nothing buffers a hostile upload whole.
app.post('/leaks/github', expressHandler(leakIntake));
app.use('/api/v1', api);
// Settings → API tokens: the management API (and the device login routes) behind the demo
// session, mounted before any body parser; the demo sign-in and the settings page.
app.use('/api/tokens', expressHandler(demoManagement(keycard)));
app.get(
  ['/demo/login', '/settings/tokens', '/assets/keycard/:file'],
  expressHandler(async (request) => (await demoPages(request)) ?? new Response('Not Found', { status: 404 })),
);
app.use((req, res) => problem(res, 404, 'Not Found', `No route ${req.method} ${req.path}`));
// keycard's denials raised in handlers (assert) first, then the app's own errors.
app.use(keycardErrorHandler(keycard));
app.use((err, req, res, _next) => {
  if (err?.type === 'entity.parse.failed') return problem(res, 400, 'Bad Request', 'The body is not valid JSON');
  if (err?.status === 413) return problem(res, 413, 'Content Too Large', 'The body is larger than 16 kB');
  // Any other body the parser refuses (a charset or content encoding it does not support, a broken
  // gzip stream) is the client's fault too: its 4xx, never a 500.
  if (err?.expose && err.status >= 400 && err.status < 500)
    return problem(res, err.status, STATUS_CODES[err.status] ?? 'Bad Request', err.message);
  console.error(err);
  problem(res, 500, 'Internal Server Error', 'Something went wrong');
});

const issued = await issueDemoTokens();
const server = app.listen(PORT, HOST, (error) => {
  if (error) {
    console.error(`Cannot listen on ${HOST}:${PORT}: ${error.message}`);
    process.exit(1);
  }
  printBanner({ framework: 'Express', base: `http://${HOST}:${PORT}`, issued });
});

let stopping = false;
async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: closing the server`);
  // Stop accepting, let requests in flight finish (5 s at most), then flush keycard's audit
  // events and lastUsedAt writes.
  const closed = new Promise((resolve) => server.close(resolve));
  setTimeout(() => server.closeAllConnections(), 5000).unref();
  await closed;
  await keycard.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
