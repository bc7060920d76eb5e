import type { InstanceInfo, InstanceStatus, RouteEntry } from '@paas/core';
import type { Deployer } from '../deploy/deployer.js';
import { targetId } from '../deploy/routes-for-app.js';
import type { InstanceState } from '../runtime/types.js';

/**
 * What `paas ps` says of an instance: the deployer knows which are starting
 * or draining, the engine which crashed or restart, the route table which
 * of the running web instances take traffic (a running web instance of the
 * active release outside it is unhealthy).
 */
export function instanceStatus(i: InstanceState, deployer: Pick<Deployer, 'starting' | 'draining' | 'unhealthy'>, routed: ReadonlySet<string> | undefined, app: string): InstanceStatus {
  if (deployer.draining.has(i.id)) return 'draining';
  if (deployer.starting.has(i.id)) return 'starting';
  if (i.restarting) return i.restartCount > 0 ? 'restarting' : 'crashed';
  if (!i.running) return i.exitCode !== null && i.exitCode !== 0 ? 'crashed' : 'stopped';
  if (deployer.unhealthy.has(i.id)) return 'unhealthy';
  if (routed !== undefined && !routed.has(targetId(app, i))) return 'unhealthy';
  return 'healthy';
}

/** Why `paas ps` shows it so: the health checker's reason, else a kill for memory the engine reported. */
export function instanceReason(i: InstanceState, deployer: Pick<Deployer, 'unhealthy'>): string | undefined {
  return deployer.unhealthy.get(i.id) ?? (i.oomKilled ? OOM_REASON : undefined);
}

export const OOM_REASON = 'killed: over its memory limit';

/**
 * What `paas ps` (and `paas info`, the dashboard) says of each of an app's
 * instances, without CPU and memory: state and reason from the deployer and
 * the route table the router has now.
 */
export function describeInstances(
  app: string,
  instances: InstanceState[],
  deployer: Pick<Deployer, 'starting' | 'draining' | 'unhealthy'>,
  routes: Map<string, RouteEntry>,
  now = Date.now(),
): InstanceInfo[] {
  const routed = routedTargets(routes);
  return instances.map((i) => toInstanceInfo(i, instanceStatus(i, deployer, routed.get(i.service), app), now, instanceReason(i, deployer)));
}

/** Target ids the router sends traffic to, per service. */
export function routedTargets(routes: Map<string, RouteEntry>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const entry of routes.values()) {
    const ids = out.get(entry.service) ?? new Set<string>();
    for (const t of entry.targets) ids.add(t.id);
    out.set(entry.service, ids);
  }
  return out;
}

export function toInstanceInfo(i: InstanceState, state: InstanceStatus, now = Date.now(), reason?: string): InstanceInfo {
  const address = Object.values(i.addresses)[0];
  return {
    name: `${i.service}.${i.index}`,
    service: i.service,
    release: i.release,
    state,
    restarts: i.restartCount,
    uptime: i.running && i.startedAt ? Math.max(0, Math.round((now - i.startedAt.getTime()) / 1000)) : null,
    exitCode: i.exitCode,
    ...(address ? { address: `${address.host}:${address.port}` } : {}),
    ...(i.node !== undefined ? { node: i.node } : {}),
    ...(reason !== undefined ? { reason } : {}),
  };
}
