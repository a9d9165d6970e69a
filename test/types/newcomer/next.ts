// docs/next.md, typed: a dynamic route's params infer without a generic, and the wrapped handler
// fits the type `next build` checks route modules against (RouteHandlerConfig of Next 16).
import { createKeycard, defineScopes } from 'keycard';
import { withKeycard } from 'keycard/next';

const keycard = createKeycard({
  prefix: 'acme',
  scopes: defineScopes({ read: {}, 'tickets:write': { implies: ['read'] } }),
});

// app/api/tickets/[id]/route.ts
export const GET = withKeycard(keycard, { scope: 'read' }, async (_request, { params, identity }) => {
  const { id } = await params;
  const ticket: string = id;
  return Response.json({ ticket, by: identity.label });
});

// What Next 16 generates in .next/types/validator.ts for that route.
type RouteHandlerConfig = {
  GET?: (request: Request, context: { params: Promise<{ id: string }> }) => Promise<Response | void> | Response | void;
};
type IsExpected<Specific extends RouteHandlerConfig> = Specific;
export type Check = IsExpected<{ GET: typeof GET }>;

// @ts-expect-error: "raed" is not a scope of the catalogue
withKeycard(keycard, { scope: 'raed' }, () => new Response(null));
