import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Tests run the TypeScript sources; the package's `#hash` import resolves to dist/ once built.
    alias: { '#hash': fileURLToPath(new URL('./src/core/sha256.node.ts', import.meta.url)) },
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // One tsup build before the suites that read dist/ (skipped when dist/ is fresh).
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
  },
});
