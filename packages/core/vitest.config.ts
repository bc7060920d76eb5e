import { defineConfig } from 'vitest/config';

// Stops vitest from picking up the workspace config at the repo root when run from here.
export default defineConfig({ test: { include: ['test/**/*.test.ts'] } });
