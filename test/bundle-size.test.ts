/**
 * Issue 13 item 7: the core's browser/edge bundle (`export * from 'keycard'`, esbuild, minified,
 * worker condition, neutral platform, gzip -9), measured on the sources.
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script shared with bench/run.js, no declarations
import { edgeBundleSize } from '../scripts/bundle-size.mjs';

const KB = 1024;
type Size = { gzip: number; inputs: Record<string, number>; files: string[] };
const size = (edgeBundleSize as (o: { source: boolean }) => Promise<Size>)({ source: true });

describe('edge bundle size', () => {
  // 139.4 KB before issue 13 (a named `{ z }` import of zod pulls every locale), 70.4 KB with the
  // OpenAPI document's JSON Schema converted at runtime, 65.4 KB since it is generated at build time.
  it('stays at most 69.4 KB gzip (measured 65.4 KB + 4 KB)', async () => {
    const { gzip } = await size;
    expect(gzip).toBeLessThanOrEqual((65.4 + 4) * KB);
  }, 60_000);

  it("carries no JSON Schema converter (zod's z.toJSONSchema, ~20 KB minified; npm run generate:openapi)", async () => {
    const { files } = await size;
    expect(files.filter((f) => /zod\/.*(json-schema-processors|to-json-schema)\.js$/.test(f))).toEqual([]);
  }, 60_000);

  // Not met yet: keycard's own code on the root (management handler, device routes, leak intake,
  // audit store included) is ~48 KB gzip before zod. Remove `.fails` when it is.
  it.fails(
    'is at most 40 KB gzip (the issue 13 target)',
    async () => {
      const { gzip } = await size;
      expect(gzip).toBeLessThanOrEqual(40 * KB);
    },
    60_000,
  );
});
