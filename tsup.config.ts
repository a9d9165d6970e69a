import { defineConfig } from 'tsup';

/** Public entry points, one per `exports` subpath. */
export const entries = {
  index: 'src/index.ts',
  express: 'src/adapters/express.ts',
  hono: 'src/adapters/hono.ts',
  next: 'src/adapters/next.ts',
  mcp: 'src/adapters/mcp/index.ts',
  redis: 'src/stores/redis.ts',
  postgres: 'src/stores/postgres.ts',
  testing: 'src/testing/index.ts',
  'store-kit': 'src/store-kit.ts',
  'adapter-kit': 'src/adapter-kit.ts',
  device: 'src/device/index.ts',
  oauth: 'src/oauth/index.ts',
  cli: 'src/cli/index.ts',
  client: 'src/client/index.ts',
  ui: 'src/ui/index.ts',
};

export default defineConfig({
  entry: {
    ...entries,
    // The two hash back-ends, chosen at run time by the `#hash` import condition.
    'sha256.node': 'src/core/sha256.node.ts',
    'sha256.web': 'src/core/sha256.web.ts',
  },
  format: ['esm'],
  target: 'es2022',
  platform: 'neutral',
  // tsup's declaration build sets `baseUrl`, which TypeScript 6 deprecates; nothing of ours uses it.
  dts: { entry: entries, compilerOptions: { ignoreDeprecations: '6.0' } },
  sourcemap: true,
  clean: true,
  splitting: true,
  treeshake: true,
  // The adapters import the core through '../index.ts'; resolving that to the built `keycard`
  // entry keeps one copy of the core (one KeycardError class, one cache) per process.
  external: [
    '#hash',
    /^node:/,
    '@noble/hashes',
    'zod',
    'jose',
    'express',
    'hono',
    /^hono\//,
    'next',
    /^@modelcontextprotocol\//,
  ],
});
