// docs/hono.md, typed: the identity is c.get('keycard'); guards take only the catalogue's scopes.
import { Hono } from 'hono';
import { anyOf, createKeycard, defineScopes, type Identity } from 'keycard';
import { honoErrorHandler, honoGuard, type KeycardEnv } from 'keycard/hono';

const keycard = createKeycard({ prefix: 'acme', scopes: defineScopes({ read: {}, comments: { implies: ['read'] } }) });
const app = new Hono<KeycardEnv>();
app.onError(honoErrorHandler(keycard));
app.use('/api/*', honoGuard(keycard));
app.post('/api/comments/:id', honoGuard(keycard, { scope: anyOf('comments') }), (c) => {
  const identity: Identity = c.get('keycard');
  const id: string = c.req.param('id');
  return c.json({ by: identity.label, id }, 201);
});

// @ts-expect-error: "raed" is not a scope of the catalogue
honoGuard(keycard, { scope: 'raed' });
