import { defineConfig } from 'vitest/config';

// One file at a time: every file starts its own platform and builds images,
// and the machine has two cores.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
