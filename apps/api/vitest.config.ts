import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // One initialised PGlite template for the run (see test/helpers/pg.ts).
    globalSetup: ['test/helpers/pg.ts'],
    // Opening a PGlite copy and migrating takes about a second.
    hookTimeout: 30_000,
    testTimeout: 20_000,
  },
});
