import { createHash } from 'node:crypto';
import { LABEL } from './names.js';
import type { Address, InstanceState } from './types.js';

/** What the swarm driver reads of a Swarm task (GET /tasks). */
export interface SwarmTask {
  ID: string;
  ServiceID: string;
  NodeID?: string;
  CreatedAt: string;
  DesiredState: string;
  Version?: { Index: number };
  Status: {
    Timestamp?: string;
    State: string;
    Message?: string;
    Err?: string;
    ContainerStatus?: { ContainerID?: string; ExitCode?: number };
    PortStatus?: { Ports?: { Protocol?: string; TargetPort: number; PublishedPort?: number; PublishMode?: string }[] };
  };
}

/** What the swarm driver reads of a Swarm service (GET /services). */
export interface SwarmService {
  ID: string;
  Version: { Index: number };
  Spec: {
    Name: string;
    Labels?: Record<string, string>;
    Mode?: { Replicated?: { Replicas?: number } };
    [key: string]: unknown;
  };
}

/** A node as the driver needs it: its host name and the address its tasks' host ports are on. */
export interface NodeAddress {
  name: string;
  address: string;
}

/** Swarm service names are at most 63 characters: longer names keep their start and get a hash of the whole. */
export function swarmName(full: string): string {
  if (full.length <= 63) return full;
  return `${full.slice(0, 54).replace(/-+$/, '')}-${createHash('sha256').update(full).digest('hex').slice(0, 8)}`;
}

/** Task states after which Swarm starts a new task (a crash, an exit, a refusal): each such task is one restart. */
const ENDED_BADLY = new Set(['failed', 'rejected', 'complete', 'orphaned']);

/** Newest first. */
export function byNewest(tasks: SwarmTask[]): SwarmTask[] {
  return [...tasks].sort((a, b) => (b.Version?.Index ?? 0) - (a.Version?.Index ?? 0) || b.CreatedAt.localeCompare(a.CreatedAt));
}

/** The task that runs the service now, if any. */
export function runningTask(tasks: SwarmTask[]): SwarmTask | undefined {
  return byNewest(tasks).find((t) => t.Status.State === 'running' && t.DesiredState === 'running');
}

/** Labels of a service carry all an instance's names (the docker driver keeps them on the container). */
export function toSwarmInstanceState(service: SwarmService, tasks: SwarmTask[], nodes: Map<string, NodeAddress>): InstanceState {
  const labels = service.Spec.Labels ?? {};
  const instance = labels[LABEL.instance] ?? '';
  const newest = byNewest(tasks);
  const current = runningTask(tasks);
  const replicas = service.Spec.Mode?.Replicated?.Replicas ?? 0;
  const restartCount = newest.filter((t) => ENDED_BADLY.has(t.Status.State)).length;
  const ended = newest.find((t) => ENDED_BADLY.has(t.Status.State) && t.Status.ContainerStatus?.ExitCode !== undefined);
  const node = (current ?? newest[0])?.NodeID;
  const where = node === undefined ? undefined : nodes.get(node);
  const addresses: Record<number, Address> = {};
  if (current && where) {
    for (const p of current.Status.PortStatus?.Ports ?? []) {
      if ((p.Protocol ?? 'tcp') === 'tcp' && p.PublishedPort) addresses[p.TargetPort] = { host: where.address, port: p.PublishedPort };
    }
  }
  return {
    id: service.ID,
    name: service.Spec.Name,
    app: labels[LABEL.app] ?? '',
    service: labels[LABEL.service] ?? '',
    release: labels[LABEL.release] ?? '',
    index: Number(instance.slice(instance.lastIndexOf('.') + 1)) || 0,
    running: current !== undefined,
    restarting: current === undefined && replicas > 0 && restartCount > 0,
    exitCode: current === undefined && ended ? (ended.Status.ContainerStatus?.ExitCode ?? null) : null,
    restartCount,
    // A running task's status time is when it started running.
    startedAt: current?.Status.Timestamp ? new Date(current.Status.Timestamp) : null,
    addresses,
    ...(where ? { node: where.name } : {}),
  };
}

/** Why a service's newest task is not running, in the engine's words ("No such image: …", "task: non-zero exit (1)"). */
export function taskTrouble(tasks: SwarmTask[]): string | undefined {
  const t = byNewest(tasks).find((x) => x.Status.Err || ENDED_BADLY.has(x.Status.State));
  if (!t) return undefined;
  return t.Status.Err ?? t.Status.Message ?? t.Status.State;
}
