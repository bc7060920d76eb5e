/**
 * Build benchmark: examples/python-flask cold (no cache), then again after a
 * code-only change. Targets: rebuild ≤ 10 % of the cold build and ≤ 5 s.
 * Run from the repo root: npx tsx bench/build.ts
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Dockerode from 'dockerode';
import { parseSpec, type CodeService } from '@paas/core';
import { layersReusedBeforeCode } from './lib/build-layers.js';
import { removeLabelledImages, timeBuild } from './lib/build-run.js';

const example = new URL('../examples/python-flask/', import.meta.url).pathname;
const runId = `bench-build-${randomBytes(4).toString('hex')}`;
const labels = { 'paas.bench': runId };
const docker = new Dockerode();

const dir = await mkdtemp(join(tmpdir(), 'paas-bench-build-'));
let ok = false;
try {
  await cp(example, dir, { recursive: true });
  const spec = parseSpec(await readFile(join(dir, 'paas.yml'), 'utf8'), { file: 'paas.yml' }).spec;
  const service = Object.values(spec.services).find((s): s is CodeService => s.kind === 'code');
  if (service === undefined) throw new Error('python-flask/paas.yml has no code service');
  const base = { app: 'bench', service, sourceDir: dir, labels };

  const cold = await timeBuild(docker, { ...base, buildId: 'cold', clean: true });
  console.log(`cold build     ${cold.seconds.toFixed(2)} s  (${cold.steps} steps, ${cold.cachedSteps} from cache)`);

  // A code-only change: one line of app.py, nothing the dependency layers depend on.
  const appPy = join(dir, 'app.py');
  const source = await readFile(appPy, 'utf8');
  const edited = source.replace('MESSAGE = "Hello from python-flask"', 'MESSAGE = "Hello from python-flask, rebuilt"');
  if (edited === source) throw new Error('the line to edit is no longer in app.py');
  await writeFile(appPy, edited);

  const warm = await timeBuild(docker, { ...base, buildId: 'rebuild' });
  const ratio = warm.seconds / cold.seconds;
  const layers = await layersReusedBeforeCode(docker, cold.imageId, warm.imageId);
  console.log(`code rebuild   ${warm.seconds.toFixed(2)} s  (${warm.steps} steps, ${warm.cachedSteps} from cache)`);
  console.log(`ratio          ${(ratio * 100).toFixed(1)} % of cold`);
  console.log(`layers reused  ${layers.reused}/${layers.total} below the code COPY (the stack's included)`);
  ok = ratio <= 0.1 && warm.seconds <= 5 && layers.reused === layers.total;
  console.log(`target (≤ 10 % and ≤ 5 s, every layer below the code reused): ${ok ? 'met' : 'MISSED'}`);
} finally {
  const removed = await removeLabelledImages(docker, `paas.bench=${runId}`).catch((err: unknown) => {
    console.error(`cleanup failed: ${String(err)}`);
    return 0;
  });
  await rm(dir, { recursive: true, force: true });
  console.log(`removed ${removed} image(s)`);
}
process.exitCode = ok ? 0 : 1;
