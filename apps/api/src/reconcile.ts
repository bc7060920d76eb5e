import type { CodeService, RouteEntry } from '@paas/core';
import { codeServices } from './deploy/deployer.js';
import { startHealthyInstance } from './deploy/instance-start.js';
import { routesForApp } from './deploy/routes-for-app.js';
import type { Platform } from './platform.js';
import type { InstanceState } from './runtime/types.js';

/**
 * Brings what runs in line with the store (architecture.md "reconciles on
 * start"): interrupted pushes are marked failed, instances of releases that
 * are not active are removed, every active release gets its scale back, and
 * the router gets the whole table again.
 */
export async function reconcile(p: Platform, log: (msg: string) => void): Promise<void> {
  const failed = await p.store.failInterrupted();
  if (failed.builds + failed.releases > 0) log(`marked ${failed.builds} interrupted build(s) and ${failed.releases} release(s) failed`);
  const apps = await p.store.listApps();
  const routes = new Map<string, RouteEntry>();
  const strays: InstanceState[] = [];
  for (const app of apps) {
    const active = await p.store.getActiveRelease(app.name);
    const instances = await p.runtime.listInstances({ app: app.name });
    if (!active) {
      strays.push(...instances);
      continue;
    }
    strays.push(...instances.filter((i) => i.release !== active.id));
    const scale = await p.store.getScale(app.name);
    const byService = new Map<string, InstanceState[]>();
    for (const service of codeServices(active)) {
      const current = instances.filter((i) => i.release === active.id && i.service === service.name);
      byService.set(service.name, await restoreScale(p, app.name, active.id, active.images[service.name], active.env, service, current, scale[service.name] ?? service.instances, log));
    }
    for (const [host, entry] of routesForApp(app.name, codeServices(active), byService, p.config.domain)) routes.set(host, entry);
  }
  // Route first, then remove: nothing is routed to an instance being removed.
  await p.routes.update((table) => {
    table.clear();
    for (const [host, entry] of routes) table.set(host, entry);
  });
  if (strays.length > 0) log(`removing ${strays.length} instance(s) of releases that are not active`);
  await Promise.all(strays.map((i) => p.runtime.stopInstance(i.id, p.config.stopGraceMs).catch(() => undefined)));
}

async function restoreScale(
  p: Platform,
  app: string,
  release: string,
  image: string | undefined,
  env: Record<string, string>,
  service: CodeService,
  current: InstanceState[],
  want: number,
  log: (msg: string) => void,
): Promise<InstanceState[]> {
  const keep = current.filter((i) => i.index <= want);
  for (const extra of current.filter((i) => i.index > want)) await p.runtime.stopInstance(extra.id, p.config.stopGraceMs).catch(() => undefined);
  if (image === undefined) return keep;
  const have = new Set(keep.map((i) => i.index));
  for (let index = 1; index <= want; index++) {
    if (have.has(index)) continue;
    log(`starting ${app} ${service.name}.${index} (${release})`);
    try {
      keep.push(
        await startHealthyInstance({
          runtime: p.runtime,
          app,
          service,
          release,
          index,
          image,
          appEnv: env,
          memoryBytes: p.config.instanceMemoryBytes,
          labels: p.config.labels,
          workerAliveMs: p.config.workerAliveMs,
        }),
      );
    } catch (err) {
      log(`${app} ${service.name}.${index} did not start: ${(err as Error).message}`);
    }
  }
  return keep;
}

/**
 * Keeps the router's targets true to what runs: after an engine restart the
 * instances come back with new host ports, and a crashed instance leaves the
 * table until it runs again.
 */
export async function syncRoutes(p: Platform): Promise<void> {
  const apps = await p.store.listApps();
  const fresh = new Map<string, Map<string, RouteEntry>>();
  const generations = new Map<string, number>();
  for (const app of apps) {
    if (p.locks.isHeld(app.name)) continue;
    generations.set(app.name, p.locks.generation(app.name));
    const active = await p.store.getActiveRelease(app.name);
    if (!active) continue;
    const instances = (await p.runtime.listInstances({ app: app.name, release: active.id })).filter((i) => i.running);
    const byService = new Map<string, InstanceState[]>();
    for (const s of codeServices(active)) byService.set(s.name, instances.filter((i) => i.service === s.name));
    fresh.set(app.name, routesForApp(app.name, codeServices(active), byService, p.config.domain));
  }
  const current = p.routes.snapshot().routes;
  let changed = false;
  for (const entries of fresh.values()) {
    for (const [host, entry] of entries) {
      if (JSON.stringify(current[host]?.targets ?? null) !== JSON.stringify(entry.targets)) changed = true;
    }
  }
  if (!changed) return;
  await p.routes.update((table) => {
    for (const [app, entries] of fresh) {
      // A deploy that started since we looked owns this app's routes now.
      if (p.locks.isHeld(app) || p.locks.generation(app) !== generations.get(app)) continue;
      for (const [host, entry] of entries) table.set(host, entry);
    }
  });
}
