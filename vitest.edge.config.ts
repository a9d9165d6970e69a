import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The core's own tests, run a second time in a Web-standard runtime (@edge-runtime/vm, the
// runtime of Vercel's edge): Web globals only, and the portable SHA-256 back-end (src/core/sha256.web.ts).
export default defineConfig({
  resolve: {
    alias: { '#hash': fileURLToPath(new URL('./src/core/sha256.web.ts', import.meta.url)) },
  },
  test: {
    environment: 'edge-runtime',
    include: ['src/core/**/*.test.ts', 'src/device/**/*.test.ts', 'src/leaks/**/*.test.ts'],
    // hash.test.ts compares the Node back-end with the portable one: it needs node:crypto by design.
    exclude: ['src/core/hash.test.ts', 'src/device/grant-store.test.ts'],
    testTimeout: 30_000,
    // Two files at a time, as vitest.config.ts runs the Node suites.
    maxWorkers: 2,
  },
});
