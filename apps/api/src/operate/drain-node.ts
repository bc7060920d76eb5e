import { PaasError, type NodeListing } from '@paas/core';
import type { Deployer, Emit } from '../deploy/deployer.js';
import type { AppLocks } from '../locks.js';
import type { DataServiceState, NodeAvailability, NodeInfo, Runtime } from '../runtime/types.js';
import type { Store } from '../store/types.js';
import { codeService } from './scale-app.js';

/** A runtime with nodes (the Swarm driver). */
type NodeRuntime = Runtime & Required<Pick<Runtime, 'listNodes' | 'setNodeAvailability' | 'joinCommand'>>;

/** The runtime, if it has nodes; NOT_ON_SWARM on one Docker Engine. */
export function nodeRuntime(runtime: Runtime): NodeRuntime {
  if (runtime.listNodes === undefined || runtime.setNodeAvailability === undefined || runtime.joinCommand === undefined) {
    throw new PaasError('NOT_ON_SWARM', 'this platform runs on one Docker Engine (PAAS_RUNTIME=docker): there are no nodes', {
      hint: 'run the platform on a Docker Swarm (PAAS_RUNTIME=swarm) to spread apps over several machines',
    });
  }
  return runtime as NodeRuntime;
}

/** The node named `name`, or NODE_NOT_FOUND naming the nodes there are. */
export async function findNode(runtime: NodeRuntime, name: string): Promise<NodeInfo> {
  const nodes = await runtime.listNodes();
  const node = nodes.find((n) => n.name === name);
  if (node === undefined) {
    throw new PaasError('NODE_NOT_FOUND', `no node is named ${JSON.stringify(name)}`, {
      hint: `the nodes are: ${nodes.map((n) => n.name).join(', ') || '(none)'} (paas nodes lists them)`,
    });
  }
  return node;
}

/** Data services of every app of the store, and which apps there are. */
async function allDataServices(store: Store, runtime: Runtime): Promise<DataServiceState[]> {
  const apps = await store.listApps();
  return (await Promise.all(apps.map((a) => runtime.listDataServices(a.name)))).flat();
}

/** `paas nodes`: every node with how many instances and data services of this platform it holds. */
export async function listNodes(store: Store, runtime: Runtime): Promise<NodeListing[]> {
  const r = nodeRuntime(runtime);
  const [nodes, instances, data] = await Promise.all([r.listNodes(), r.listInstances({}), allDataServices(store, r)]);
  const count = (items: { node?: string }[], node: string): number => items.filter((i) => i.node === node).length;
  return nodes.map((n) => ({ ...n, instances: count(instances, n.name), dataServices: count(data, n.name) }));
}

/** `paas nodes activate NODE` (and pause): NODE_NOT_FOUND before any change. */
export async function setAvailability(runtime: Runtime, name: string, availability: NodeAvailability): Promise<NodeInfo> {
  const r = nodeRuntime(runtime);
  await findNode(r, name);
  await r.setNodeAvailability(name, availability);
  return findNode(r, name);
}

export interface DrainDeps {
  store: Store;
  deployer: Deployer;
  locks: AppLocks;
  /** Asks the control loop for a pass of the app once its lock is released. */
  wake?: (app: string) => void;
}

export interface DrainResult {
  node: string;
  /** Instances moved off the node, as `app/www.1`. */
  moved: string[];
}

/**
 * What `paas nodes drain NODE` refuses before it changes anything: one
 * engine (NOT_ON_SWARM), an unknown node (NODE_NOT_FOUND), a node holding a
 * data service's volume (NODE_HOLDS_DATA).
 */
export async function checkDrainable(store: Store, runtime: Runtime, name: string): Promise<NodeInfo> {
  const r = nodeRuntime(runtime);
  const node = await findNode(r, name);
  const pinned = (await allDataServices(store, r)).filter((d) => d.node === node.name);
  if (pinned.length > 0) {
    const names = pinned.map((d) => `${d.app}/${d.service} (${d.type})`).join(', ');
    throw new PaasError('NODE_HOLDS_DATA', `${node.name} holds the data of ${names}: a data service cannot move to another node yet`, {
      hint: `back each one up (paas backup SERVICE -a APP) and restore it into a service on another node (paas restore SERVICE FILE); until then keep ${node.name} in service (paas nodes activate ${node.name})`,
    });
  }
  return node;
}

/**
 * `paas nodes drain NODE`, without downtime: the node is paused (Swarm
 * places nothing new there, what runs stays), then every instance of an
 * active release on it is replaced as `paas restart` does, one at a time
 * under its app's lock: a new instance elsewhere becomes healthy, the
 * router swaps the two, the old one is drained and stopped. Last the node
 * is set to drain, so Swarm moves whatever is left (leftovers of old
 * releases) and places nothing there. An unknown node and a data service
 * pinned to the node are refused before anything changes. On a failure the
 * node stays paused: running the drain again continues it.
 */
export async function drainNode(deps: DrainDeps, name: string, emit: Emit): Promise<DrainResult> {
  const runtime = nodeRuntime(deps.deployer.runtime);
  const node = await checkDrainable(deps.store, runtime, name);
  const step = (text: string): void => emit({ type: 'deploy.step', service: '', step: text });

  step(`Pausing ${node.name}: nothing new is placed there, what runs stays`);
  await runtime.setNodeAvailability(node.name, 'pause');
  const moved: string[] = [];
  try {
    const apps = [...new Set((await runtime.listInstances({})).filter((i) => i.node === node.name).map((i) => i.app))].sort();
    const known = new Set((await deps.store.listApps()).map((a) => a.name));
    for (const app of apps.filter((a) => known.has(a))) {
      moved.push(...(await moveApp(deps, app, node.name, emit)));
    }
  } catch (err) {
    emit({ type: 'warning', message: `${node.name} stays paused: run paas nodes drain ${node.name} again to finish, or paas nodes activate ${node.name}` });
    throw err;
  }
  step(`Draining ${node.name}: Swarm moves what is left and places nothing there`);
  await runtime.setNodeAvailability(node.name, 'drain');
  emit({ type: 'node.drained', node: node.name, moved });
  return { node: node.name, moved };
}

/** Replaces the app's instances of its active release on the node, one at a time, under its lock. */
async function moveApp(deps: DrainDeps, app: string, node: string, emit: Emit): Promise<string[]> {
  const { store, deployer, locks } = deps;
  const unlock = await locks.acquire(app, 'drain');
  const moved: string[] = [];
  try {
    const release = await store.getActiveRelease(app);
    if (release === null) return moved;
    const scale = await store.getScale(app);
    const here = (await deployer.runtime.listInstances({ app })).filter((i) => i.node === node && i.release === release.id);
    for (const serviceName of [...new Set(here.map((i) => i.service))].sort()) {
      const spec = release.spec.services[serviceName];
      if (spec === undefined || spec.kind !== 'code') continue;
      const service = codeService(release, serviceName, 'SERVICE_NOT_FOUND');
      const want = scale[service.name] ?? service.instances;
      const targets = here.filter((i) => i.service === service.name && i.index >= 1 && i.index <= want).sort((a, b) => a.index - b.index);
      if (targets.length === 0) continue;
      emit({ type: 'deploy.step', service: service.name, step: `Moving ${app} ${targets.map((i) => `${i.service}.${i.index}`).join(', ')} off ${node}` });
      for (const old of targets) {
        const c = await deployer.convergeService(release, service, want, { emit, replace: new Set([old.id]), parallel: 1, avoidNodes: [node] });
        await deployer.switchRoutes(release, new Map([[service.name, [...c.kept, ...c.started]]]));
        await deployer.retire(app, c.retire);
        moved.push(`${app}/${old.service}.${old.index}`);
      }
    }
    return moved;
  } finally {
    await unlock();
    deps.wake?.(app);
  }
}
