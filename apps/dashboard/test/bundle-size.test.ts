import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect, it } from 'vitest';

/** All the JavaScript of the dashboard, gzipped, terminal included. */
const BUDGET = 200 * 1024;
const dist = join(import.meta.dirname, '..', 'dist');

it('the built dashboard stays within its size budget', () => {
  if (!existsSync(join(dist, 'index.html'))) throw new Error('dist/index.html is missing: run npm run build first');
  const assets = join(dist, 'assets');
  const scripts = readdirSync(assets).filter((f) => f.endsWith('.js'));
  expect(scripts.length).toBeGreaterThan(0);
  const sizes = scripts.map((f) => ({ file: f, gzip: gzipSync(readFileSync(join(assets, f)), { level: 9 }).length }));
  const total = sizes.reduce((n, s) => n + s.gzip, 0);
  expect(total, JSON.stringify(sizes)).toBeLessThanOrEqual(BUDGET);
});
