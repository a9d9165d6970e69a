import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Files that must not run beside another file: each is run alone, one after another, once the
 * rest have finished (a project whose maxWorkers is 1 is its own sequential group).
 */
const ALONE: string[] = [
  // SCRIPT FLUSH on the shared REDIS_URL server: a suite beside it would meet NOSCRIPT mid-test.
  'src/stores/redis-token-store.test.ts',
  'src/stores/redis-limiter.test.ts',
];

export default defineConfig({
  resolve: {
    // Tests run the TypeScript sources; the package's `#hash` import resolves to dist/ once built.
    alias: { '#hash': fileURLToPath(new URL('./src/core/sha256.node.ts', import.meta.url)) },
  },
  test: {
    // One tsup build before the suites that read dist/ (skipped when dist/ is fresh).
    globalSetup: ['test/global-setup.ts'],
    // A bound, not a timing assertion: three heavy suites (PGlite conformance, migrate, the
    // management fuzz) took over 30 s on a loaded 2-core machine, and with two files at a time a
    // test that boots PGlite (initdb in WASM: 9.4 s on a quiet machine) took 34.8 s
    // (audit-export-stream) and 28.9 s (list-cursor), so the bound is 120 s.
    testTimeout: 120_000,
    // expect.poll waits at most 1 s by default: on the loaded 2 cores of a clean-clone CI run,
    // Chromium drawing the settings page's 250 rows (test/ui/progressive.test.ts) took longer. A
    // bound, not a timing assertion: a poll ends as soon as its condition holds.
    expect: { poll: { timeout: 30_000 } },
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...ALONE],
          // Two files at a time on a 2-core machine: most suites wait on redis, Postgres,
          // Chromium or a spawned server, so a second file uses the CPU the first leaves idle.
          maxWorkers: 2,
        },
      },
      { extends: true, test: { name: 'node-alone', include: ALONE, maxWorkers: 1 } },
    ],
  },
});
