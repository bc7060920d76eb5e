import type Dockerode from 'dockerode';
import { engineUnless404 } from './engine-errors.js';
import { toEnvList } from './env-list.js';
import { LABEL } from './names.js';
import type { InstanceSpec, InstanceStats } from './types.js';

/** Defaults of an instance's limits when the service names none. */
export const DEFAULT_PIDS = 512;

/**
 * Create options of an instance or one-off container: the isolation of
 * architecture.md (reliability 37): the app user, no capabilities beyond
 * the type's, no-new-privileges, pids/CPU/memory limits with no swap beyond
 * memory, rotated logs, tini as PID 1. `labels` are the driver's (platform
 * id, tests) and the caller's (instance, one-off).
 */
export function containerOptions(o: {
  name: string;
  spec: InstanceSpec;
  network: string;
  labels: Record<string, string>;
  logConfig: { Type: string; Config: Record<string, string> };
}): Dockerode.ContainerCreateOptions {
  const { spec } = o;
  const limits = spec.limits ?? {};
  return {
    name: o.name,
    Image: spec.image,
    Env: toEnvList(spec.env),
    User: 'app',
    Labels: {
      ...spec.labels,
      [LABEL.app]: spec.app,
      [LABEL.service]: spec.service,
      [LABEL.release]: spec.release,
      ...o.labels,
    },
    HostConfig: {
      NetworkMode: o.network,
      // tini as PID 1: apps that ignore SIGTERM as PID 1 still stop, zombies are reaped.
      Init: true,
      CapDrop: ['ALL'],
      ...(limits.capAdd && limits.capAdd.length > 0 ? { CapAdd: limits.capAdd } : {}),
      SecurityOpt: ['no-new-privileges:true'],
      PidsLimit: limits.pids ?? DEFAULT_PIDS,
      ...(limits.cpus !== undefined ? { NanoCpus: Math.round(limits.cpus * 1e9) } : {}),
      ...(limits.memoryBytes !== undefined ? { Memory: limits.memoryBytes, MemorySwap: limits.memoryBytes } : {}),
      LogConfig: o.logConfig,
    },
    NetworkingConfig: { EndpointsConfig: { [o.network]: { Aliases: spec.aliases ?? [] } } },
  };
}

/** CPU and memory of a container now, as `docker stats` shows them; null when it does not run. */
export async function containerStats(docker: Dockerode, id: string): Promise<InstanceStats | null> {
  const raw = (await engineUnless404(docker.getContainer(id).stats({ stream: false }))) as Dockerode.ContainerStats | undefined;
  if (!raw || !raw.cpu_stats?.cpu_usage) return null;
  const cpuDelta = raw.cpu_stats.cpu_usage.total_usage - (raw.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (raw.cpu_stats.system_cpu_usage ?? 0) - (raw.precpu_stats?.system_cpu_usage ?? 0);
  const cpus = raw.cpu_stats.online_cpus ?? raw.cpu_stats.cpu_usage.percpu_usage?.length ?? 1;
  const cpuPercent = systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0;
  // Page cache counts towards usage; `docker stats` subtracts it too.
  const cache = (raw.memory_stats?.stats as Record<string, number> | undefined)?.total_inactive_file ?? 0;
  return {
    cpuPercent: Math.round(cpuPercent * 10) / 10,
    memoryBytes: Math.max(0, (raw.memory_stats?.usage ?? 0) - cache),
    memoryLimitBytes: raw.memory_stats?.limit ?? 0,
  };
}
