// The tickets API of examples/express, plus what a CLI login needs: keycard's management API at
// /api/tokens with its device login routes (/api/tokens/device…), behind the demo session of
// ../shared/demo-session.js (GET /demo/login?as=u_jason sets a cookie; a real app has its own
// sign-in), the settings page at /settings/tokens (where a person revokes the CLI's token), and
// a "revoke this token" call for `toado logout`.
// Start: `npm start -w examples/cli` (PORT, default 3000). Then, in another terminal:
//   node examples/cli/cli.js login
import express from 'express';
import { expressGuard, expressHandler } from 'keycard/express';
import { createData, pathOfTicket } from '@keycard-examples/shared/data';
import { keycard } from '@keycard-examples/shared/keycard';
import { demoPages } from '@keycard-examples/shared/demo-pages';
import { demoManagement } from '@keycard-examples/shared/demo-session';

const db = createData(); // this server's tickets, companies and comments, in memory

const PORT = Number(process.env.PORT ?? 3000);
const HOST = '127.0.0.1';

const app = express();
app.disable('x-powered-by');

// The management API and the device routes (one handler), before any body parser.
app.use('/api/tokens', expressHandler(demoManagement(keycard, { appName: 'Toado' })));
// The demo sign-in, the settings page (<keycard-tokens>) and its script.
app.get(
  ['/demo/login', '/settings/tokens', '/assets/keycard/:file'],
  expressHandler(async (request) => (await demoPages(request)) ?? new Response('Not Found', { status: 404 })),
);

const guard = expressGuard(keycard);
const api = express.Router();
api.get('/whoami', guard({ scope: 'read' }), (req, res) => {
  const id = req.keycard;
  res.json({
    ownerId: id.ownerId,
    tokenId: id.tokenId,
    label: id.label,
    scopes: [...id.grantedScopes],
    expiresAt: id.expiresAt,
  });
});
api.get('/tickets', guard({ scope: 'read' }), (req, res) =>
  res.json({ tickets: req.keycard.filter(db.tickets, pathOfTicket) }),
);
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
  console.log(
    `\nkeycard example: CLI login (device flow) for the tickets API\n\nIn another terminal:\n  TOADO_API_URL=${base} node examples/cli/cli.js login\n\nListening on ${base} (Ctrl-C to stop)`,
  );
});

async function shutdown() {
  await new Promise((resolve) => server.close(resolve));
  await keycard.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
