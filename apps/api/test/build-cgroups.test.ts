import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCgroupsFor } from '../src/build-cgroups.js';

// The choice of cgroup parent for builds, on folders of the test's own; the
// limit itself is proved on the real engine (test/src/builds-confined.test.ts).
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function folder(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'paas-cgroups-'));
  dirs.push(d);
  return d;
}

describe('buildCgroupsFor', () => {
  it('systemd driver: the guard\'s slice when its unit is installed, else none, said', async () => {
    const d = await folder();
    const unit = join(d, 'paas-builds.slice');
    const missing = await buildCgroupsFor('systemd', '2', { platformId: 'p1', pids: 100, sliceUnit: unit });
    expect((await missing.open('b-www')).parent).toBeUndefined();
    expect(missing.describe).toMatch(/no pids limit: paas-builds.slice is not installed/);

    await writeFile(unit, '[Slice]\nTasksMax=100\n');
    const slice = await buildCgroupsFor('systemd', '2', { platformId: 'p1', pids: 100, sliceUnit: unit });
    expect((await slice.open('b-www')).parent).toBe('paas-builds.slice');
  });

  it('cgroupfs v1: one cgroup per build under paas-builds, named by platform, with its pids.max', async () => {
    const root = await folder();
    await mkdir(join(root, 'pids'));
    const cg = await buildCgroupsFor('cgroupfs', '1', { platformId: 'p1', pids: 321, root });
    expect(cg.describe).toMatch(/limited to 321 processes/);
    const one = await cg.open('b7-www');
    expect(one.parent).toBe('/paas-builds/p1-b7-www');
    expect(await readFile(join(root, 'pids', 'paas-builds', 'p1-b7-www', 'pids.max'), 'utf8')).toBe('321');
  });

  it('cgroupfs v2: the pids controller is turned on for the children of the root and of paas-builds', async () => {
    const root = await folder();
    await writeFile(join(root, 'cgroup.subtree_control'), 'cpu memory\n');
    const cg = await buildCgroupsFor('cgroupfs', '2', { platformId: 'p1', pids: 50, root });
    expect((await cg.open('b1-www')).parent).toBe('/paas-builds/p1-b1-www');
    expect(await readFile(join(root, 'cgroup.subtree_control'), 'utf8')).toBe('+pids');
    expect(await readFile(join(root, 'paas-builds', 'cgroup.subtree_control'), 'utf8')).toBe('+pids');
    expect(await readFile(join(root, 'paas-builds', 'p1-b1-www', 'pids.max'), 'utf8')).toBe('50');
  });

  it('a cgroup tree it cannot write, with no shared limit: no parent, and the reason', async () => {
    const d = await folder();
    const root = join(d, 'not-a-dir');
    await writeFile(root, '');
    const cg = await buildCgroupsFor('cgroupfs', '1', { platformId: 'p1', pids: 10, root });
    expect((await cg.open('b1-www')).parent).toBeUndefined();
    expect(cg.describe).toMatch(/no pids limit: cannot write the cgroup tree/);
  });

  it('an engine driver it does not know: none, said', async () => {
    const cg = await buildCgroupsFor('weird', '1', { platformId: 'p1', pids: 10 });
    expect((await cg.open('x')).parent).toBeUndefined();
    expect(cg.describe).toContain('"weird"');
  });
});
