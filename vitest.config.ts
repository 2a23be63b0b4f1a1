import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Vite would give test code graphql's ESM build while type-graphql (external) loads the
    // CJS one: two copies of graphql in one process. Point everything at the CJS entry.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/helpers/setup.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    // One PGlite and one gateway per worker, shared by all the files it runs.
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
