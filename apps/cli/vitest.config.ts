import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Process tests run dist/bin.js: build it from the current sources once per run.
    globalSetup: ['test/helpers/build-cli.ts'],
    // Some tests spawn the built CLI and local servers.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
