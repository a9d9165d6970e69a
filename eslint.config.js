// @ts-check
import tseslint from 'typescript-eslint';

const nodeBuiltins = {
  group: ['node:*'],
  message: 'The core speaks Web standards only (STYLE rule 2); put Node-only code behind an import alias.',
};

export default tseslint.config(
  { ignores: ['test/types/**', 'dist/**', 'node_modules/**', 'bench/**', 'examples/**', 'coverage/**', '.tmp/**'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // The core: no node: import, never an adapter, a store implementation or the testing kit.
    files: ['src/core/**/*.ts'],
    ignores: ['src/core/sha256.node.ts', 'src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            nodeBuiltins,
            {
              group: ['**/adapters/**', '**/stores/**', '**/testing/**'],
              message: 'The core never imports an adapter, a store or the testing kit (STYLE: data flows one way).',
            },
            {
              group: [
                'express',
                'hono',
                'hono/*',
                'next',
                'next/*',
                '@modelcontextprotocol/*',
                'pg',
                'ioredis',
                'redis',
                '@electric-sql/*',
              ],
              message: 'Frameworks and drivers stay out of the core.',
            },
          ],
        },
      ],
    },
  },
  {
    // The barrel and the composition root may re-export the embedded memory stores, never Node.
    files: ['src/index.ts', 'src/keycard.ts', 'src/stores/memory.ts', 'src/stores/memory-limiter.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [nodeBuiltins] }] },
  },
  {
    // The management API and its client are edge-safe / browser-safe: Web standards only.
    files: ['src/manage/**/*.ts', 'src/client/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [nodeBuiltins] }] },
  },
  {
    // Adapters translate: they import the public core only, never its internals (STYLE rule 3).
    files: ['src/adapters/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../core/*', '../stores/*', '../testing/*'],
              message: 'Adapters import the public core (../index.ts) only.',
            },
          ],
        },
      ],
    },
  },
  {
    // Stores and the testing kit: the ports from the core, no framework; drivers only as types.
    files: ['src/stores/**/*.ts', 'src/testing/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['../adapters/*'], message: 'Stores never import adapters.' },
            {
              group: ['vitest', 'jest', '@jest/*', 'mocha', 'node:test'],
              message: 'keycard/testing takes describe/it/expect from its caller.',
            },
          ],
        },
      ],
    },
  },
  {
    // The management operations are core-level: Web standards only, no adapter, store or testing kit.
    files: ['src/lifecycle/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            nodeBuiltins,
            {
              group: ['**/adapters/**', '**/stores/**', '**/testing/**'],
              message: 'The management operations never import an adapter, a store or the testing kit.',
            },
          ],
        },
      ],
    },
  },
  {
    // The device routes are edge-safe like the core: Web standards only, no store implementation.
    files: ['src/device/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            nodeBuiltins,
            {
              group: ['**/adapters/**', '**/stores/**', '**/testing/**', '**/cli/**'],
              message: 'The device routes never import an adapter, a store, the testing kit or the CLI.',
            },
          ],
        },
      ],
    },
  },
  {
    // Small rooms (issue 12): a source file is at most 400 lines, a function at most 120 (comments
    // and blank lines not counted); the build and smoke scripts too, and the generated OpenAPI
    // modules (`npm run generate:openapi` splits the document in two to stay within it).
    files: ['src/**/*.ts', 'scripts/**/*.mjs'],
    ignores: ['src/**/*.test.ts'],
    rules: {
      'max-lines': ['error', { max: 400 }],
      'max-lines-per-function': ['error', { max: 120, skipComments: true, skipBlankLines: true }],
    },
  },
  {
    // Tests are small rooms too: one concern per file, at most 400 lines (a describe block may run
    // past 120, so the per-function rule is the sources' only).
    files: ['src/**/*.test.ts', 'test/**/*.ts'],
    rules: { 'max-lines': ['error', { max: 400 }] },
  },
);
