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
    // A bound, not a timing assertion: three heavy suites (PGlite conformance, migrate, the
    // management fuzz) took over 30 s on a loaded 2-core machine.
    testTimeout: 60_000,
  },
});
