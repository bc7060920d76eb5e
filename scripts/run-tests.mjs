#!/usr/bin/env node
// Runs every test: the packages' tests, then the end-to-end suite against a
// real API, router and Docker Engine. Prints one closing line
// "N passed, N failed, N skipped"; under CI a skipped test fails the run,
// because tests that need Docker or Postgres must run there.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, '.test-results');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const only = process.argv[2]; // optional: "unit" or "e2e"
const phases = [
  { name: 'unit', args: ['vitest', 'run', '--config', 'vitest.config.ts'] },
  { name: 'e2e', args: ['vitest', 'run', '--root', 'test'] },
].filter((p) => !only || p.name === only);

let passed = 0, failed = 0, skipped = 0, broken = false;
for (const phase of phases) {
  const json = join(out, `${phase.name}.json`);
  console.log(`\n=== ${phase.name} tests ===`);
  const r = spawnSync('npx', [...phase.args, '--reporter=default', '--reporter=json', `--outputFile.json=${json}`], {
    cwd: root,
    stdio: 'inherit',
  });
  try {
    const res = JSON.parse(readFileSync(json, 'utf8'));
    passed += res.numPassedTests;
    failed += res.numFailedTests;
    skipped += res.numPendingTests + res.numTodoTests;
    if (res.numFailedTestSuites > 0 && res.numFailedTests === 0) failed += res.numFailedTestSuites;
  } catch {
    console.error(`no results from the ${phase.name} phase`);
    broken = true;
  }
  if (r.status !== 0) broken = true;
}
console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (process.env.CI && skipped > 0) {
  console.error('skipped tests under CI: every test must run here');
  process.exit(1);
}
process.exit(broken || failed > 0 ? 1 : 0);
