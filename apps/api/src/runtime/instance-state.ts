import type { ContainerInspectInfo } from 'dockerode';
import { LABEL } from './names.js';
import type { InstanceState } from './types.js';

/** container port → host port, from inspect's "8080/tcp": [{ HostIp, HostPort }]. */
export function publishedPorts(info: ContainerInspectInfo): Record<number, number> {
  const ports: Record<number, number> = {};
  for (const [key, bindings] of Object.entries(info.NetworkSettings?.Ports ?? {})) {
    const [port, proto] = key.split('/');
    if (proto !== 'tcp' || !bindings) continue;
    const loopback = bindings.find((b) => b.HostIp === '127.0.0.1') ?? bindings[0];
    if (loopback?.HostPort) ports[Number(port)] = Number(loopback.HostPort);
  }
  return ports;
}

export function toInstanceState(info: ContainerInspectInfo): InstanceState {
  const labels = info.Config.Labels ?? {};
  const instance = labels[LABEL.instance] ?? '';
  // Between a crash and the restart policy's next start the engine reports
  // Running and Restarting together; for us that instance is not running.
  const running = info.State.Running && !info.State.Restarting;
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    app: labels[LABEL.app] ?? '',
    service: labels[LABEL.service] ?? '',
    release: labels[LABEL.release] ?? '',
    index: Number(instance.slice(instance.lastIndexOf('.') + 1)) || 0,
    running,
    restarting: info.State.Restarting,
    exitCode: running || !info.State.StartedAt || info.State.StartedAt.startsWith('0001') ? null : info.State.ExitCode,
    restartCount: info.RestartCount,
    ports: publishedPorts(info),
  };
}
