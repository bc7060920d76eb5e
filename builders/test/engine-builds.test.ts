import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PaasError } from '@paas/core';
import { buildImage, type BuildEvent } from '../src/index.js';
import { codeService } from './helpers/code-service.js';
import {
  build, containerLogs, docker, engineAnswers, getWhenUp, imageHistory, removeTestObjects, startInstance, TEST_LABELS, type BuildResult,
} from './helpers/engine.js';
import { loadExampleService } from './helpers/example-spec.js';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');
// Throws under CI when the engine is away: these tests must run there.
const hasEngine = await engineAnswers();
const BUILD_TIMEOUT = 300_000;

// python-hello is built first and without cache: the engine answers a cache
// lookup with the newest matching layer, and other suites (e2e) build the same
// example, so a fresh chain is what the code-only rebuild must then reuse. The
// other python images and the failure test reuse its python3 layer, so the
// failure leaves no untagged image behind.
const examples = ['python-hello', 'worker', 'python-flask', 'nodejs-hello', 'static-site'];

describe.skipIf(!hasEngine)('real builds against the Docker Engine', () => {
  const built = new Map<string, BuildResult>();
  afterAll(removeTestObjects, 120_000);

  const buildsExample = (name: string) =>
    it(`builds examples/${name} and the image runs`, async () => {
      const dir = join(EXAMPLES, name);
      const service = await loadExampleService(dir);
      const result = await build({ app: 'builders-test', service, sourceDir: dir, clean: name === 'python-hello' });
      built.set(name, result);
      expect(result.tag).toMatch(new RegExp(`^paas/builders-test/${service.name}:t[0-9a-f]{8}$`));
      expect(result.events.find((e) => e.type === 'step')).toEqual({ type: 'step', step: 'Step 1/' + stepCount(result) + ' : FROM paas/stack:bookworm' });
      const image = await docker.getImage(result.imageId).inspect();
      expect(image.Config.User).toBe('app');
      expect(image.Config.WorkingDir).toBe('/home/app/current');
      expect(image.Config.Labels).toMatchObject({ ...TEST_LABELS, 'paas.app': 'builders-test', 'paas.service': service.name, 'paas.build': result.tag.split(':')[1] });

      const instance = await startInstance(result.imageId, service);
      try {
        if (instance.url === undefined) {
          await waitFor(async () => (await containerLogs(instance.id)).includes('worker: tick 1'), 15_000);
        } else {
          const page = await getWhenUp(instance.url);
          expect(page.status).toBe(200);
          expect(page.body).toContain(name);
        }
      } finally {
        await docker.getContainer(instance.id).remove({ force: true });
      }
    }, BUILD_TIMEOUT);

  buildsExample('python-hello');

  it('rebuilds a code-only change reusing every layer above the code', async () => {
    const cold = built.get('python-hello');
    if (cold === undefined) throw new Error('the python-hello build did not run');
    const dir = await mkdtemp(join(tmpdir(), 'paas-builders-rebuild-'));
    try {
      await cp(join(EXAMPLES, 'python-hello'), dir, { recursive: true });
      const wsgi = join(dir, 'wsgi.py');
      await writeFile(wsgi, (await readFile(wsgi, 'utf8')).replace('Hello from python-hello', 'Hello again from python-hello'));
      const service = await loadExampleService(dir);
      const warm = await build({ app: 'builders-test', service, sourceDir: dir });

      const before = await imageHistory(cold.imageId);
      const after = await imageHistory(warm.imageId);
      const codeStep = before.findIndex((h) => /COPY .* in \/home\/app\/code\/ *$/.test(h.createdBy));
      expect(codeStep).toBeGreaterThan(2);
      expect(after.slice(0, codeStep).map((h) => h.id)).toEqual(before.slice(0, codeStep).map((h) => h.id));
      expect(after[codeStep]?.id).not.toBe(before[codeStep]?.id);

      const instance = await startInstance(warm.imageId, service);
      try {
        expect((await getWhenUp(instance.url ?? '')).body).toBe('Hello again from python-hello\n');
      } finally {
        await docker.getContainer(instance.id).remove({ force: true });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, BUILD_TIMEOUT);

  for (const name of examples.slice(1)) buildsExample(name);

  it('fails on a missing Debian package naming its spec path, streaming the step as it starts', async () => {
    const service = codeService({ type: 'python', systempackages: ['nosuchpkg-paas-test'] });
    const seen: { event: BuildEvent; at: number }[] = [];
    let error: PaasError | undefined;
    try {
      const opts = { app: 'builders-test', service, buildId: 'tnosuchpkg', sourceDir: join(EXAMPLES, 'python-hello'), labels: TEST_LABELS };
      for await (const event of buildImage(docker, opts)) seen.push({ event, at: Date.now() });
    } catch (err) {
      error = err as PaasError;
    }
    const failedAt = Date.now();
    expect(error?.code).toBe('BUILD_FAILED');
    // apt's "E: Unable to locate package nosuchpkg-paas-test", told in the spec's terms.
    expect(error?.message).toBe('www.systempackages[0]: no Debian package "nosuchpkg-paas-test"');
    expect(error?.path).toBe('www.systempackages[0]');
    // The step event came while apt was still working (apt-get update alone takes seconds), not at the end.
    const step = seen.find((s) => s.event.type === 'step' && s.event.step.startsWith('Step 3/'));
    expect(step).toBeDefined();
    expect(failedAt - (step?.at ?? failedAt)).toBeGreaterThan(500);
  }, BUILD_TIMEOUT);

  it('holds a build to its memory limit and says so when a step is killed', async () => {
    const hog = 'python3 -c "b = bytes(1) * (256 << 20); print(len(b))"';
    const service = codeService({ type: 'python', prebuild: hog });
    let error: PaasError | undefined;
    try {
      const opts = { app: 'builders-test', service, buildId: 'tmemory', sourceDir: join(EXAMPLES, 'python-hello'), labels: TEST_LABELS, memoryBytes: 64 << 20 };
      for await (const event of buildImage(docker, opts)) void event;
    } catch (err) {
      error = err as PaasError;
    }
    expect(error?.code).toBe('BUILD_FAILED');
    expect(error?.message).toMatch(/was killed \(exit code 137\), most likely for going over the build's memory limit/);
    expect(error?.hint).toMatch(/PAAS_BUILD_MEMORY_MB/);
  }, BUILD_TIMEOUT);

  it('removes the images a build failing after the code step made, keeping the layers below as cache', async () => {
    const marker = `paas-litter-${Date.now()}`;
    const service = codeService({ type: 'python', prebuild: `echo ${marker}`, postbuild: 'exit 3' });
    const startedAt = Math.floor(Date.now() / 1000) - 1;
    const steps: string[] = [];
    let error: PaasError | undefined;
    try {
      const opts = { app: 'builders-test', service, buildId: 'tlitter', sourceDir: join(EXAMPLES, 'python-hello'), labels: TEST_LABELS };
      for await (const event of buildImage(docker, opts)) if (event.type === 'step') steps.push(event.step);
    } catch (err) {
      error = err as PaasError;
    }
    expect(error?.code).toBe('BUILD_FAILED');
    // The failing step is named by its spec key.
    expect(error?.message).toMatch(/^www\.postbuild failed: exit code 3/);
    // The build did run the prebuild (after the code) before failing.
    expect(steps.some((s) => s.includes(marker))).toBe(true);

    const made = (await docker.listImages({ all: true })).filter((i) => i.Created >= startedAt);
    const histories = await Promise.all(made.map(async (i) => ((await docker.getImage(i.Id).history()) as { CreatedBy: string }[])[0]?.CreatedBy ?? ''));
    // The prebuild's layer is gone (and with it the code layer under it: the
    // unit tests pin which layers go; this proves the step names match the
    // engine's and the removal happens).
    expect(histories.filter((h) => h.includes(marker))).toEqual([]);
  }, BUILD_TIMEOUT);
});

function stepCount(result: BuildResult): number {
  return result.events.filter((e) => e.type === 'step').length;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`not true within ${timeoutMs} ms`);
}
