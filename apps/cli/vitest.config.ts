import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Some tests spawn the built CLI and local servers.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
