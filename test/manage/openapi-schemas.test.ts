/**
 * The OpenAPI document's JSON Schema is converted at build time (scripts/generate-openapi-schemas.mjs
 * writes src/manage/openapi-schemas.generated.ts), so the runtime carries no `z.toJSONSchema`.
 * Converting the schemas again here must give the checked-in module: a schema changed without
 * `npm run generate:openapi` fails this test.
 */
import { describe, expect, it } from 'vitest';
import * as requests from '../../src/manage/request-schemas.ts';
import * as answers from '../../src/manage/answer-schemas.ts';
import { openApiDefs, openApiSchemas } from '../../src/manage/openapi-schemas.generated.ts';
// @ts-expect-error: a plain .mjs script, no declarations
import { openApiFragments } from '../../scripts/generate-openapi-schemas.mjs';

const STALE = 'src/manage/openapi-schemas.generated.ts is stale: run `npm run generate:openapi`';

describe('the JSON Schema of the OpenAPI document, generated at build time', () => {
  it('is what z.toJSONSchema makes of src/manage/{answer,request}-schemas.ts today', () => {
    const fresh = (openApiFragments as (s: unknown) => unknown)({ ...requests, ...answers });
    const checkedIn = { schemas: openApiSchemas, defs: openApiDefs };
    expect(checkedIn, STALE).toStrictEqual(fresh);
    // Key order too: the served document is the same bytes as a conversion at runtime.
    expect(JSON.stringify(checkedIn), STALE).toBe(JSON.stringify(fresh));
  });

  it('is frozen all the way down (the served documents share it)', () => {
    const unfrozen: string[] = [];
    const walk = (value: unknown, at: string) => {
      if (typeof value !== 'object' || value === null) return;
      if (!Object.isFrozen(value)) unfrozen.push(at);
      for (const [k, v] of Object.entries(value)) walk(v, `${at}.${k}`);
    };
    walk(openApiSchemas, 'openApiSchemas');
    walk(openApiDefs, 'openApiDefs');
    expect(unfrozen).toEqual([]);
  });
});
