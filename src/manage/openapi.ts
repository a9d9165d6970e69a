/**
 * The OpenAPI 3.1 document of the management API (`GET /openapi.json`), generated from
 * request-schemas.ts, which test/manage/request-schemas.test.ts holds to the schemas that validate
 * the requests (schemas.ts), so the document cannot drift from the behaviour unnoticed.
 * Their JSON Schema is converted at build time by zod 4's `z.toJSONSchema`
 * (`npm run generate:openapi` writes openapi-schemas.generated.ts; a test fails when it is
 * stale), so the runtime carries no converter; the document around it is assembled here, per
 * base path. Shared definitions are hoisted into `components.schemas`.
 */
import { openApiDefs, openApiSchemas, type OpenApiSchemaName } from './openapi-schemas.generated.ts';

type Json = Record<string, unknown>;

/** A schema's JSON Schema, its shared definitions recorded in `components`. */
function schemaOf(name: OpenApiSchemaName, components: Json): Json {
  const { schema, defs = [] } = openApiSchemas[name];
  for (const def of defs) components[def] ??= openApiDefs[def];
  return schema;
}

const ERROR_CODES: Readonly<Record<number, string>> = {
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
const CALLER = [400, 401, 403, 429, 503] as const;
/** What any operation with a JSON body may answer besides: a body too large (413) or not JSON (415). */
const BODY = [...CALLER, 413, 415] as const;

/** The 201s' Location (RFC 9110 §15.3.2): the new token's `GET /tokens/:id`, relative to the request's URL. */
const LOCATION = { description: "The new token's URL, relative to the request's", schema: { type: 'string' } };

const PROBLEM = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };

/** The document's building blocks, each recording the schemas it meets in `components`. */
function builders(components: Json) {
  return {
    errors: (...statuses: number[]) =>
      Object.fromEntries(statuses.map((st) => [String(st), { description: ERROR_CODES[st], content: PROBLEM }])),
    ok: (schema: OpenApiSchemaName, description: string, status = '200') => ({
      [status]: {
        description,
        ...(status === '201' ? { headers: { Location: LOCATION } } : {}),
        content: { 'application/json': { schema: schemaOf(schema, components) } },
      },
    }),
    body: (schema: OpenApiSchemaName, required = true) => ({
      required,
      content: { 'application/json': { schema: schemaOf(schema, components) } },
    }),
    params: (schema: OpenApiSchemaName) => {
      const js = schemaOf(schema, components);
      const required = new Set((js.required as string[] | undefined) ?? []);
      return Object.entries((js.properties ?? {}) as Record<string, Json>).map(([name, sch]) => ({
        name,
        in: 'query',
        required: required.has(name),
        schema: sch,
      }));
    },
  };
}

/** Builds the document for a handler mounted at `basePath`. */
export function openApiDocument(basePath: string): Json {
  const components: Json = {};
  const problem = PROBLEM;
  const { errors, ok, body, params } = builders(components);
  const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
  const tokenView = { $ref: '#/components/schemas/TokenView' };
  components.TokenView = schemaOf('tokenView', components);
  components.Problem = schemaOf('problemBody', components);
  const viewOk = { '200': { description: 'The token', content: { 'application/json': { schema: tokenView } } } };
  const p = (path: string) => `${basePath}${path}`;

  return {
    openapi: '3.1.0',
    info: {
      title: 'keycard management API',
      version: '1.0.0',
      description: 'Create, list, rotate and revoke API tokens (keycard SPEC §11).',
    },
    paths: {
      [p('/tokens')]: {
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
      [p('/tokens/revoke-all')]: {
        post: {
          operationId: 'revokeAllTokens',
          summary: "Revoke an owner's personal or a workspace's tokens",
          requestBody: body('revokeAllBody'),
          responses: {
            ...ok('revokeAllResult', 'How many were revoked'),
            ...errors(...BODY, 404, 409),
          },
        },
      },
      [p('/tokens/{id}')]: {
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
      [p('/tokens/{id}/revoke')]: {
        post: {
          operationId: 'revokeToken',
          summary: 'Revoke a token (idempotent)',
          parameters: [idParam],
          requestBody: body('revokeBody', false),
          responses: { ...viewOk, ...errors(...BODY, 404) },
        },
      },
      [p('/tokens/{id}/rotate')]: {
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
      [p('/tokens/{id}/activity')]: {
        get: {
          operationId: 'tokenActivity',
          summary: "A token's audit events",
          parameters: [idParam, ...params('activityQuery')],
          responses: {
            ...ok('activityPage', 'A page of audit events'),
            ...errors(...CALLER, 404),
            '501': { description: 'not_implemented: no audit store configured', content: problem },
          },
        },
      },
      [p('/scopes')]: {
        get: {
          operationId: 'listScopes',
          summary: 'The scope catalogue, filtered to what the caller may grant',
          responses: { ...ok('scopeCatalogue', 'The catalogue'), ...errors(...CALLER) },
        },
      },
    },
    components: { schemas: components },
  };
}
