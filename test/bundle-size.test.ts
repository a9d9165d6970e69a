/**
 * Issue 13 item 7: the core's browser/edge bundle (`export * from 'keycard'`, esbuild, minified,
 * worker condition, neutral platform, gzip -9), measured on the sources.
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script shared with bench/run.js, no declarations
import { edgeBundleSize } from '../scripts/bundle-size.mjs';

const KB = 1024;
const size = (edgeBundleSize as (o: { source: boolean }) => Promise<{ gzip: number; inputs: Record<string, number> }>)({
  source: true,
});

describe('edge bundle size', () => {
  it('stays at most 80 KB gzip (139.4 KB before issue 13: a named `{ z }` import of zod pulls every locale)', async () => {
    const { gzip } = await size;
    expect(gzip).toBeLessThanOrEqual(80 * KB);
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
