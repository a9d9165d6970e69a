/**
 * The OpenAPI 3.1 document of the management API (`GET /openapi.json`), generated from
 * request-schemas.ts, which test/manage/request-schemas.test.ts holds to the schemas that validate
 * the requests (schemas.ts), so the document cannot drift from the behaviour unnoticed.
 * Their JSON Schema is converted, and the document assembled around it, at build time
 * (`npm run generate:openapi` writes openapi-document.generated.ts; a test fails when it is
 * stale), so the runtime carries no converter; here its paths are put under the base path.
 */
import { openApiTemplate } from './openapi-document.generated.ts';

/** Builds the document for a handler mounted at `basePath`. */
export function openApiDocument(basePath: string): Record<string, unknown> {
  const paths = Object.entries(openApiTemplate.paths).map(([path, item]) => [`${basePath}${path}`, item]);
  return { ...openApiTemplate, paths: Object.fromEntries(paths) };
}
