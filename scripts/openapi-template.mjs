// The OpenAPI 3.1 document's template (scripts/generate-openapi-schemas.mjs converts the schemas
// and writes the module): the management API's paths per resource, around the converted schemas.
// Split from the generator to keep each file and function within the house limits.

const ERROR_CODES = {
  400: 'invalid_request: every bad field in `errors`',
  401: 'unauthenticated (or a bearer token refused: the request contract of keycard)',
  403: 'forbidden (CSRF, not allowed), scope_escalation, or insufficient_scope (a bearer token without the management scope)',
  404: 'not_found: unknown, or not visible to the caller',
  409: 'conflict or count_changed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited: a bearer token over its rate limit (the request contract of keycard, with Retry-After)',
  503: 'unavailable',
};

/**
 * What any operation behind a caller may answer: a query parameter it does not take (400), no
 * session (401), a bearer token refused by the request contract (401, 403 insufficient_scope,
 * 429) and an unavailable session check or store (503).
 */
const CALLER = [400, 401, 403, 429, 503];
/** What any operation with a JSON body may answer besides: a body too large (413) or not JSON (415). */
const BODY = [...CALLER, 413, 415];

/** The 201s' Location (RFC 9110 §15.3.2): the new token's `GET /tokens/:id`, relative to the request's URL. */
const LOCATION = { description: "The new token's URL, relative to the request's", schema: { type: 'string' } };

const PROBLEM = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };

/**
 * The builders the paths share, over the converted schemas: each schema they answer hoists its
 * shared definitions into `components` as the document first meets it.
 */
function builders({ schemas, defs }, components) {
  const schemaOf = (name) => {
    for (const def of schemas[name].defs ?? []) components[def] ??= defs[def];
    return schemas[name].schema;
  };
  const errors = (...statuses) =>
    Object.fromEntries(statuses.map((st) => [String(st), { description: ERROR_CODES[st], content: PROBLEM }]));
  const ok = (schema, description, status = '200') => ({
    [status]: {
      description,
      ...(status === '201' ? { headers: { Location: LOCATION } } : {}),
      content: { 'application/json': { schema: schemaOf(schema) } },
    },
  });
  const body = (schema, required = true) => ({
    required,
    content: { 'application/json': { schema: schemaOf(schema) } },
  });
  const params = (schema) => {
    const js = schemaOf(schema);
    const required = new Set(js.required ?? []);
    return Object.entries(js.properties ?? {}).map(([name, sch]) => ({
      name,
      in: 'query',
      required: required.has(name),
      schema: sch,
    }));
  };
  const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
  const tokenView = { $ref: '#/components/schemas/TokenView' };
  const viewOk = { 200: { description: 'The token', content: { 'application/json': { schema: tokenView } } } };

  return { schemaOf, errors, ok, body, params, idParam, viewOk };
}

/** `/tokens`, `/tokens/revoke-all` and `/tokens/{id}`. */
function tokenPaths({ errors, ok, body, params, idParam, viewOk }) {
  return {
    '/tokens': {
      get: {
        operationId: 'listTokens',
        summary: 'List tokens the caller may see',
        parameters: params('listQuery'),
        responses: { ...ok('tokenPage', 'A page of tokens'), ...errors(...CALLER, 404) },
      },
      post: {
        operationId: 'createToken',
        summary: 'Create a token; the secret is in this answer only',
        requestBody: body('createBody'),
        responses: {
          ...ok('createdToken', 'The new token and its secret (Cache-Control: no-store)', '201'),
          ...errors(...BODY, 404, 409),
        },
      },
    },
    '/tokens/revoke-all': {
      post: {
        operationId: 'revokeAllTokens',
        summary: "Revoke an owner's personal or a workspace's tokens",
        requestBody: body('revokeAllBody'),
        responses: { ...ok('revokeAllResult', 'How many were revoked'), ...errors(...BODY, 404, 409) },
      },
    },
    '/tokens/{id}': {
      get: {
        operationId: 'getToken',
        summary: 'One token',
        parameters: [idParam],
        responses: { ...viewOk, ...errors(...CALLER, 404) },
      },
      patch: {
        operationId: 'updateToken',
        summary: 'Relabel, set or clear the rate limit, or narrow scopes, restrictions and expiry',
        parameters: [idParam],
        requestBody: body('updateBody'),
        responses: { ...viewOk, ...errors(...BODY, 404, 409) },
      },
    },
  };
}

/** `/tokens/{id}/revoke`, `/tokens/{id}/rotate`, `/tokens/{id}/activity` and `/scopes`. */
function actionPaths({ errors, ok, body, params, idParam, viewOk }) {
  return {
    '/tokens/{id}/revoke': {
      post: {
        operationId: 'revokeToken',
        summary: 'Revoke a token (idempotent)',
        parameters: [idParam],
        requestBody: body('revokeBody', false),
        responses: { ...viewOk, ...errors(...BODY, 404) },
      },
    },
    '/tokens/{id}/rotate': {
      post: {
        operationId: 'rotateToken',
        summary: 'Replace a token; the old one lives on for graceMs',
        parameters: [idParam],
        requestBody: body('rotateBody', false),
        responses: {
          ...ok('rotatedToken', 'The new token and its secret (Cache-Control: no-store)', '201'),
          ...errors(...BODY, 404, 409),
        },
      },
    },
    '/tokens/{id}/activity': {
      get: {
        operationId: 'tokenActivity',
        summary: "A token's audit events",
        parameters: [idParam, ...params('activityQuery')],
        responses: {
          ...ok('activityPage', 'A page of audit events'),
          ...errors(...CALLER, 404),
          501: { description: 'not_implemented: no audit store configured', content: PROBLEM },
        },
      },
    },
    '/scopes': {
      get: {
        operationId: 'listScopes',
        summary: 'The scope catalogue, filtered to what the caller may grant',
        responses: { ...ok('scopeCatalogue', 'The catalogue'), ...errors(...CALLER) },
      },
    },
  };
}

/**
 * The OpenAPI 3.1 document of the management API (`GET /openapi.json`) around the converted
 * schemas (`fragments`, what openApiFragments returns), its paths relative to the handler's
 * `basePath` (src/manage/openapi.ts prefixes them). Shared definitions are hoisted into
 * `components.schemas`, in the order the document first meets them.
 */
export function openApiTemplate(fragments) {
  const components = {};
  const b = builders(fragments, components);
  components.TokenView = b.schemaOf('tokenView');
  components.Problem = b.schemaOf('problemBody');
  const paths = { ...tokenPaths(b), ...actionPaths(b) };
  return {
    openapi: '3.1.0',
    info: {
      title: 'keycard management API',
      version: '1.0.0',
      description: 'Create, list, rotate and revoke API tokens (keycard SPEC §11).',
    },
    paths,
    components: { schemas: components },
  };
}
