import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type Dockerode from 'dockerode';
import { PaasError } from '@paas/core';
import type { ApiConfig } from './config.js';
import { pullOnNode, pushImage } from './images/distribute.js';
import { openRegistry } from './images/platform-registry.js';
import { engineClient } from './runtime/swarm-engines.js';
import { listSwarmNodes } from './runtime/swarm-nodes.js';
import { SwarmRuntime } from './runtime/swarm-runtime.js';

/**
 * PAAS_RUNTIME=swarm: the Swarm driver on the manager DOCKER_HOST names,
 * with the registry release images travel through (the operator's
 * PAAS_REGISTRY or the platform's own on PAAS_REGISTRY_ADDR). Undefined
 * for the single-engine driver.
 */
export async function openMultiNode(
  config: ApiConfig,
  docker: Dockerode,
  platformId: string,
  log: (msg: string) => void,
): Promise<{ runtime: SwarmRuntime; close(): Promise<void> } | undefined> {
  if (config.runtime !== 'swarm') return undefined;
  const manager = config.swarmManager ? engineClient(config.swarmManager) : docker;
  const info = (await manager.info()) as { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } };
  if (info.Swarm?.LocalNodeState !== 'active' || info.Swarm.ControlAvailable !== true) {
    throw new PaasError('ENGINE_UNAVAILABLE', `PAAS_RUNTIME=swarm, but the engine ${config.swarmManager ? 'PAAS_SWARM_MANAGER' : 'DOCKER_HOST'} names is not a swarm manager`, {
      hint: 'point PAAS_SWARM_MANAGER (or DOCKER_HOST) at a manager (docker swarm init makes one), or unset PAAS_RUNTIME',
    });
  }
  const { target, platform } = await openRegistry({ home: config.home, registry: config.registry, registryAddr: config.registryAddr });
  if (platform?.caPem) {
    // The engines on this machine (the one that builds and pushes, a manager in a lab) trust the registry by Docker's per-registry CA file.
    const trusted = await mkdir(dirname(platform.nodeCaPath), { recursive: true })
      .then(() => writeFile(platform.nodeCaPath, platform.caPem as string, { mode: 0o644 }))
      .then(() => true, () => false);
    log(`swarm: every node's engine must trust the registry's CA: ${trusted ? 'written to' : 'copy PAAS_HOME/registry/ca.crt to'} ${platform.nodeCaPath}${trusted ? ' here; copy it there on each other node' : ' on every node, this one included'}`);
  }
  log(`swarm: release images go through ${platform ? "the platform's registry" : 'the registry'} at ${target.address}`);
  const engines = new Map([...config.swarmEngines].map(([name, url]) => [name, engineClient(url)] as const));
  const runtime = new SwarmRuntime(manager, {
    platformId,
    builder: docker,
    labels: config.labels,
    engines,
    publishImage: async (ref, app, service) => {
      const pushed = await pushImage(docker, ref, { registry: target, platform: platformId, app, service });
      // Pulled on every node the API reaches before any task needs it: a task then starts at once, and a node that cannot pull fails the deploy here, clearly.
      // Nodes that are down are skipped: Swarm places nothing there, and one that returns pulls what its tasks need.
      const ready = new Set((await listSwarmNodes(manager)).filter((n) => n.state === 'ready').map((n) => n.name));
      const targets = [manager, ...[...engines].filter(([name]) => ready.has(name) && config.swarmEngines.get(name) !== config.swarmManager).map(([, e]) => e)];
      const pulls = await Promise.all(targets.map((node) => pullOnNode(node, pushed.ref)));
      const sent = pushed.layers.filter((l) => l.bytes > 0).length;
      const fetched = pulls.reduce((n, pull) => n + pull.layers.filter((l) => l.bytes > 0).length, 0);
      log(`swarm: ${app} ${service} image is ${pushed.ref} (${sent} layers pushed in ${pushed.ms} ms; ${fetched} pulled by ${pulls.length} nodes in ${Math.max(0, ...pulls.map((x) => x.ms))} ms)`);
      return pushed.ref;
    },
  });
  return { runtime, close: async () => platform?.stop() };
}
