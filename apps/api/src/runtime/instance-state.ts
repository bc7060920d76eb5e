import type { ContainerInspectInfo } from 'dockerode';
import { LABEL } from './names.js';
import type { Address, InstanceState } from './types.js';

/** The docker driver publishes instance ports on loopback; the router on this machine is the one way in. */
export const PUBLISH_HOST = '127.0.0.1';

/** container port → address, from inspect's "8080/tcp": [{ HostIp, HostPort }]. */
export function publishedAddresses(info: ContainerInspectInfo): Record<number, Address> {
  const out: Record<number, Address> = {};
  for (const [key, bindings] of Object.entries(info.NetworkSettings?.Ports ?? {})) {
    const [port, proto] = key.split('/');
    if (proto !== 'tcp' || !bindings) continue;
    const loopback = bindings.find((b) => b.HostIp === PUBLISH_HOST) ?? bindings[0];
    if (loopback?.HostPort) out[Number(port)] = { host: PUBLISH_HOST, port: Number(loopback.HostPort) };
  }
  return out;
}

export function toInstanceState(info: ContainerInspectInfo): InstanceState {
  const labels = info.Config.Labels ?? {};
  const instance = labels[LABEL.instance] ?? '';
  const { running, restarting, exitCode, startedAt: started } = runState(info);
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    app: labels[LABEL.app] ?? '',
    service: labels[LABEL.service] ?? '',
    release: labels[LABEL.release] ?? '',
    index: Number(instance.slice(instance.lastIndexOf('.') + 1)) || 0,
    running,
    restarting,
    exitCode,
    restartCount: info.RestartCount,
    // The engine keeps OOMKilled after the restart policy started the container again.
    oomKilled: info.State.OOMKilled === true,
    startedAt: started,
    addresses: publishedAddresses(info),
  };
}

/** Whether a container runs, as instances and data services both report it. */
export function runState(info: ContainerInspectInfo): { running: boolean; restarting: boolean; exitCode: number | null; startedAt: Date | null } {
  // Between a crash and the restart policy's next start the engine reports
  // Running and Restarting together; for us that container is not running.
  const running = info.State.Running && !info.State.Restarting;
  const startedAt = !info.State.StartedAt || info.State.StartedAt.startsWith('0001') ? null : new Date(info.State.StartedAt);
  return { running, restarting: info.State.Restarting, exitCode: running || startedAt === null ? null : info.State.ExitCode, startedAt };
}
