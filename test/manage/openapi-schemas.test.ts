/**
 * The OpenAPI document's JSON Schema is converted, and the document assembled, at build time
 * (scripts/generate-openapi-schemas.mjs writes src/manage/openapi-document.generated.ts), so the
 * runtime carries no `z.toJSONSchema`. Converting the schemas and assembling the document again
 * here must give the checked-in module: a schema changed without `npm run generate:openapi` fails
 * this test.
 */
import { describe, expect, it } from 'vitest';
import * as requests from '../../src/manage/request-schemas.ts';
import * as answers from '../../src/manage/answer-schemas.ts';
import { openApiTemplate } from '../../src/manage/openapi-document.generated.ts';
// @ts-expect-error: a plain .mjs script, no declarations
import { openApiFragments, openApiTemplate as assemble } from '../../scripts/generate-openapi-schemas.mjs';

const STALE = 'src/manage/openapi-document.generated.ts is stale: run `npm run generate:openapi`';

describe('the OpenAPI document, generated at build time', () => {
  it('is what z.toJSONSchema makes of src/manage/{answer,request}-schemas.ts today, assembled', () => {
    const fresh = (assemble as (f: unknown) => unknown)(
      (openApiFragments as (s: unknown) => unknown)({ ...requests, ...answers }),
    );
    expect(openApiTemplate, STALE).toStrictEqual(fresh);
    // Key order too: the served document is the same bytes as a conversion at runtime.
    expect(JSON.stringify(openApiTemplate), STALE).toBe(JSON.stringify(fresh));
  });

  it('is frozen all the way down (the served documents share it)', () => {
    const unfrozen: string[] = [];
    const walk = (value: unknown, at: string) => {
      if (typeof value !== 'object' || value === null) return;
      if (!Object.isFrozen(value)) unfrozen.push(at);
      for (const [k, v] of Object.entries(value)) walk(v, `${at}.${k}`);
    };
    walk(openApiTemplate, 'openApiTemplate');
    expect(unfrozen).toEqual([]);
  });
});
