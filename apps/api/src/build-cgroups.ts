import { constants } from 'node:fs';
import { access, mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Dockerode from 'dockerode';

/**
 * The pids limit of builds (isolation as for instances, item 8 of the
 * operate issue). The engine's build API takes memory, CPU and a network for
 * the RUN steps but no pids limit, so the limit comes from the cgroup the
 * steps run under: the build asks for a cgroup parent whose pids.max is set.
 *
 * - cgroupfs driver, API allowed to write the cgroup tree (root): one
 *   `paas-builds/<platform>-<build>-<service>` per build, with its own
 *   pids.max, removed when the build ends.
 * - otherwise, the cgroup that `paas-build-guard.service` (root, at boot)
 *   prepared: `/paas-builds` with a pids.max (cgroupfs), or the
 *   `paas-builds.slice` unit with TasksMax (systemd driver). Every build of
 *   the machine then shares that one limit.
 * - neither: no pids limit, said once at start.
 */
export interface BuildCgroups {
  /** One line for the API's log: how builds are limited. */
  readonly describe: string;
  /** The cgroup parent of one build's RUN steps (undefined: none), and its removal after the build. */
  open(name: string): Promise<BuildCgroup>;
}

export interface BuildCgroup {
  parent: string | undefined;
  close(): Promise<void>;
}

export interface BuildCgroupsOptions {
  platformId: string;
  /** pids.max of each build (PAAS_BUILD_PIDS). */
  pids: number;
  /** The cgroup file system (tests point it at a folder of their own). */
  root?: string;
  /** Where the guard's slice unit is installed, for the systemd driver. */
  sliceUnit?: string;
}

export const BUILDS_CGROUP = 'paas-builds';
export const BUILDS_SLICE = 'paas-builds.slice';
const NONE: BuildCgroup = { parent: undefined, close: async () => undefined };

export async function openBuildCgroups(docker: Pick<Dockerode, 'info'>, opts: BuildCgroupsOptions): Promise<BuildCgroups> {
  const info = (await docker.info()) as { CgroupDriver?: string; CgroupVersion?: string };
  return buildCgroupsFor(info.CgroupDriver ?? 'cgroupfs', info.CgroupVersion ?? '1', opts);
}

export async function buildCgroupsFor(driver: string, version: string, opts: BuildCgroupsOptions): Promise<BuildCgroups> {
  const root = opts.root ?? '/sys/fs/cgroup';
  if (driver === 'systemd') {
    const unit = opts.sliceUnit ?? `/etc/systemd/system/${BUILDS_SLICE}`;
    if (await exists(unit)) {
      return { describe: `builds: RUN steps share the pids limit of ${BUILDS_SLICE} (TasksMax in ${unit})`, open: async () => ({ parent: BUILDS_SLICE, close: async () => undefined }) };
    }
    return none(`${BUILDS_SLICE} is not installed (infra/install.sh --server installs it)`);
  }
  if (driver !== 'cgroupfs') return none(`the engine's cgroup driver ${JSON.stringify(driver)} is not one paas knows`);

  const v2 = version === '2';
  // Where pids.max lives: the pids hierarchy (v1) or the one tree (v2).
  const pidsRoot = v2 ? root : join(root, 'pids');
  const base = join(pidsRoot, BUILDS_CGROUP);
  const prefix = `${opts.platformId}-`;
  // Every hierarchy the engine makes the build's cgroup in, so all of them are removed after it.
  const hierarchies = v2 ? [root] : await v1Hierarchies(root);

  const removeEverywhere = async (dir: string): Promise<void> => {
    for (const h of hierarchies) await rmdirSettled(join(h, BUILDS_CGROUP, dir));
  };

  try {
    await mkdir(base, { recursive: true });
    // v2: the pids controller has to be on for the children of the root and of paas-builds.
    if (v2) {
      await enableController(root, 'pids');
      await enableController(base, 'pids');
    }
    // Left by an API that stopped in the middle of a build: empty now, since its steps have ended.
    for (const entry of await readdir(base, { withFileTypes: true })) {
      if (entry.isDirectory() && entry.name.startsWith(prefix)) await removeEverywhere(entry.name);
    }
    const probe = `${prefix}probe`;
    await mkdir(join(base, probe));
    try {
      await writeFile(join(base, probe, 'pids.max'), String(opts.pids));
    } finally {
      await rmdir(join(base, probe)).catch(() => undefined);
    }
  } catch (err) {
    // Not ours to write (a non-root API, ProtectControlGroups): the guard's shared parent, if it set one.
    const shared = await readFile(join(base, 'pids.max'), 'utf8').then((s) => s.trim(), () => undefined);
    if (shared !== undefined && shared !== 'max') {
      return { describe: `builds: RUN steps share the pids limit ${shared} of /${BUILDS_CGROUP}`, open: async () => ({ parent: `/${BUILDS_CGROUP}`, close: async () => undefined }) };
    }
    return none(`cannot write the cgroup tree (${(err as Error).message.split('\n')[0]})`);
  }

  return {
    describe: `builds: each build's RUN steps are limited to ${opts.pids} processes (/${BUILDS_CGROUP}, PAAS_BUILD_PIDS)`,
    async open(name) {
      const dir = `${prefix}${name}`;
      await mkdir(join(base, dir), { recursive: true });
      await writeFile(join(base, dir, 'pids.max'), String(opts.pids));
      return { parent: `/${BUILDS_CGROUP}/${dir}`, close: () => removeEverywhere(dir) };
    },
  };
}

function none(why: string): BuildCgroups {
  return { describe: `builds: RUN steps have no pids limit: ${why}`, open: async () => NONE };
}

/** The mounted v1 hierarchies (cpu,cpuacct and its links counted once). */
async function v1Hierarchies(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true }).catch(() => [])) {
    if (entry.isDirectory()) out.push(join(root, entry.name));
  }
  return out;
}

async function enableController(dir: string, controller: string): Promise<void> {
  const on = await readFile(join(dir, 'cgroup.subtree_control'), 'utf8').catch(() => '');
  if (on.split(/\s+/).includes(controller)) return;
  await writeFile(join(dir, 'cgroup.subtree_control'), `+${controller}`);
}

/** rmdir of a cgroup the engine may still be leaving: a few tries while it is busy. */
async function rmdirSettled(dir: string): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      await rmdir(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' && code !== 'ENOTEMPTY') return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path, constants.R_OK).then(() => true, () => false);
}
