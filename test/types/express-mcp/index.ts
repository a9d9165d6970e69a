// A user's project: keycard's Express guard next to the MCP SDK's bearer middleware, which
// declares `req.auth: AuthInfo` globally. keycard's `req.keycard` must not clash with it.
import express from 'express';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { createKeycard, defineScopes, type Identity } from 'keycard';
import { expressGuard } from 'keycard/express';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';

const keycard = createKeycard({ prefix: 'acme', scopes: defineScopes({ read: {} }) });
const app = express();
const guard = expressGuard(keycard);
app.use(
  '/mcp',
  requireBearerAuth({
    verifier: {
      verifyAccessToken: async (token: string): Promise<AuthInfo> => ({
        token,
        clientId: 'c',
        scopes: [],
        expiresAt: 0,
      }),
    },
  }),
);
app.get('/api', guard({ scope: 'read' }), (req, res) => {
  const identity: Identity | undefined = req.keycard;
  const info: AuthInfo | undefined = req.auth;
  res.json({ label: identity?.label, client: info?.clientId });
});
