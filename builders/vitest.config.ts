import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'builders',
    include: ['test/**/*.test.ts'],
    // Real builds run apt-get in the engine; the engine test file sets its own, longer limits.
    testTimeout: 20_000,
  },
});
