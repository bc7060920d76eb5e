import { defineConfig } from 'vitest/config';

// Pure logic only (no DOM); also keeps vitest from picking up the workspace config at the repo root.
export default defineConfig({
  test: { environment: 'node', include: ['test/**/*.test.ts'] },
});
