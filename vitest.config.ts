import { defineConfig } from 'vitest/config';

// Unit and component tests of every package (the e2e suite in test/ runs apart, one file at a time).
export default defineConfig({
  test: {
    projects: ['packages/*', 'builders', 'services', 'apps/*'],
  },
});
