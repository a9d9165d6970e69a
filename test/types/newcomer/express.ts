// docs/express.md, typed: a handler annotated with AuthenticatedRequest<Params> fits Express under `strict`.
import express from 'express';
import { allOf, createKeycard, defineScopes } from 'keycard';
import { expressGuard, keycardErrorHandler, type AuthenticatedRequest } from 'keycard/express';

const keycard = createKeycard({
  prefix: 'acme',
  scopes: defineScopes({ read: {}, 'tickets:write': { implies: ['read'] } }),
  resources: ['company'],
});
const guard = expressGuard(keycard);
const app = express();

app.use('/api', guard());
app.get('/api/tickets', guard({ scope: 'read' }), (req: AuthenticatedRequest, res) => {
  res.json({ by: req.keycard.label });
});
app.post(
  '/api/companies/:company/tickets',
  guard({ scope: allOf('read', 'tickets:write') }),
  (req: AuthenticatedRequest<{ company: string }>, res) => {
    const company: string = req.params.company;
    req.keycard.assert({ company }, 'write');
    res.status(201).json({ company });
  },
);
app.use(keycardErrorHandler(keycard));

// @ts-expect-error: "raed" is not a scope of the catalogue
guard({ scope: 'raed' });
// @ts-expect-error: nor inside allOf
guard({ scope: allOf('read', 'raed') });
app.get('/api/x/:id', guard(), (req: AuthenticatedRequest<{ id: string }>, res) => {
  // @ts-expect-error: params keep their types (id is a string)
  res.json({ n: req.params.id.toFixed() });
});

// @ts-expect-error: the factory is not middleware: mount guard() or guard({ scope: … })
app.use('/api', guard);
// @ts-expect-error: nor before a handler
app.get('/api/y', guard, (_req, res) => res.json({}));
// Guards made from a list still compile (map hands the guard an index and the array, not Express's res and next).
const routes = [{ scope: 'read' }, { scope: 'tickets:write' }] as const;
app.get('/api/z', ...routes.map(guard), (_req, res) => res.json({}));
