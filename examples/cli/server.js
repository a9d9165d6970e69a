// The tickets API of examples/express, plus what a CLI login needs: keycard's device routes
// under /api/tokens, a demo session (GET /demo/login?as=u_jason sets a cookie; a real app has its
// own sign-in), a "revoke this token" call for `toado logout`, and the settings page's revoke
// call (POST /api/tokens/tokens/:id/revoke, session + same origin, as SPEC §11 shapes it).
// Start: `npm start -w examples/cli` (PORT, default 3000). Then, in another terminal:
//   node examples/cli/cli.js login
import express from 'express';
import { createDeviceRoutes } from 'keycard';
import { expressGuard } from 'keycard/express';
import * as db from '../express/data.js';
import { keycard } from '../express/keycard.js';

const PORT = Number(process.env.PORT ?? 3000);
const HOST = '127.0.0.1';

// The demo's people and what they may do; a real app reads its own users and roles.
const PEOPLE = {
  u_jason: ['read', 'comments', 'tickets:write', 'tickets:assign'],
  u_maria: ['read'],
};
const sessionOf = (cookie) => {
  const id = /(?:^|;\s*)demo_session=(u_[a-z]+)/.exec(cookie ?? '')?.[1];
  return id && PEOPLE[id] ? { kind: 'user', id, scopes: PEOPLE[id] } : null;
};

const device = createDeviceRoutes(keycard, {
  basePath: '/api/tokens',
  authorize: (request) => sessionOf(request.headers.get('cookie')),
  loginUrl: '/demo/login',
  appName: 'Toado',
});

const app = express();
app.disable('x-powered-by');

// Express request → Web Request → device routes → Express response. Bodies stay raw (16 kB).
app.use('/api/tokens/device', express.raw({ type: () => true, limit: '16kb' }), async (req, res, next) => {
  try {
    const url = `${req.protocol}://${req.get('host')}${req.originalUrl}`;
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    const body = req.method === 'GET' || req.method === 'HEAD' || !Buffer.isBuffer(req.body) ? undefined : req.body;
    const answer = await device(new Request(url, { method: req.method, headers, body }));
    if (answer === null) return next();
    res.status(answer.status);
    answer.headers.forEach((value, key) => res.setHeader(key, value));
    res.send(Buffer.from(await answer.arrayBuffer()));
  } catch (error) {
    next(error);
  }
});

// The demo sign-in: pick a person. ⚠️ Demo only: anyone can be anyone.
app.get('/demo/login', (req, res) => {
  const as = typeof req.query.as === 'string' && PEOPLE[req.query.as] ? req.query.as : null;
  const next = typeof req.query.next === 'string' && req.query.next.startsWith('/') && !req.query.next.startsWith('//') ? req.query.next : '/api/tokens/device';
  if (!as) {
    const links = Object.keys(PEOPLE).map((id) => `<li><a href="/demo/login?as=${id}&amp;next=${encodeURIComponent(next)}">Sign in as ${id}</a></li>`).join('');
    return res.type('html').send(`<!doctype html><html lang="en"><title>Demo sign-in</title><main><h1>Demo sign-in</h1><ul>${links}</ul></main></html>`);
  }
  res.cookie('demo_session', as, { httpOnly: true, sameSite: 'lax', path: '/' });
  res.redirect(303, next);
});

// The settings page's revoke (the management handler will serve this route).
app.post('/api/tokens/tokens/:id/revoke', async (req, res) => {
  const actor = sessionOf(req.get('cookie'));
  if (!actor) return res.status(401).json({ code: 'unauthenticated' });
  const origin = req.get('origin');
  if (req.get('sec-fetch-site') !== 'same-origin' && origin !== `${req.protocol}://${req.get('host')}`) return res.status(403).json({ code: 'forbidden' });
  const record = await keycard.get(req.params.id);
  if (!record || record.ownerId !== actor.id) return res.status(404).json({ code: 'not_found' });
  res.json(await keycard.revoke(record.id, { reason: 'revoked in settings', actor }));
});

const guard = expressGuard(keycard);
const api = express.Router();
api.get('/whoami', guard({ scope: 'read' }), (req, res) => {
  const id = req.keycard;
  res.json({ ownerId: id.ownerId, tokenId: id.tokenId, label: id.label, scopes: [...id.grantedScopes], expiresAt: id.expiresAt });
});
api.get('/tickets', guard({ scope: 'read' }), (req, res) => res.json({ tickets: req.keycard.filter(db.tickets, db.pathOfTicket) }));
// `toado logout`: a token revokes itself (no scope needed beyond being valid).
api.post('/token/revoke', guard(), async (req, res) => {
  await keycard.revoke(req.keycard.tokenId, { reason: 'logout', actor: { kind: 'token', identity: req.keycard } });
  res.status(204).end();
});
app.use('/api/v1', api);

const server = app.listen(PORT, HOST, (error) => {
  if (error) {
    console.error(`Cannot listen on ${HOST}:${PORT}: ${error.message}`);
    process.exit(1);
  }
  const base = `http://${HOST}:${server.address().port}`;
  console.log(`\nkeycard example: CLI login (device flow) for the tickets API\n\nIn another terminal:\n  TOADO_API_URL=${base} node examples/cli/cli.js login\n\nListening on ${base} (Ctrl-C to stop)`);
});

async function shutdown() {
  await new Promise((resolve) => server.close(resolve));
  await keycard.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
