/**
 * Issue 20: "jose becomes a runtime dependency of the subpath that needs it only (the core stays
 * free of it unless used), edge-safe". The root's edge bundle (`export * from 'keycard'`, as
 * test/bundle-size.test.ts builds it) holds no byte of jose; keycard/oauth's does, which shows the
 * measure sees jose when it is there.
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a build script without types
import { edgeBundleSize } from '../scripts/bundle-size.mjs';

type Size = { inputs: Record<string, number>; files: string[] };

describe('jose only where OAuth is used (issue 20)', () => {
  it("the root bundle carries no jose; keycard/oauth's does", async () => {
    const root = (await edgeBundleSize({ source: true })) as Size;
    expect(Object.keys(root.inputs)).not.toContain('jose');
    expect(root.files.filter((f) => f.includes('node_modules/jose/'))).toEqual([]);
    const oauth = (await edgeBundleSize({
      contents: "export * from './src/oauth/index.ts';",
      source: true,
    })) as Size;
    expect(oauth.inputs['jose'] ?? 0).toBeGreaterThan(1_000);
  }, 60_000);
});
