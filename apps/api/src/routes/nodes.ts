import type { JoinCommand, NodeList, NodeListing } from '@paas/core';
import type { FastifyInstance } from 'fastify';
import { requireAdmin } from '../auth.js';
import { checkDrainable, drainNode, listNodes, nodeRuntime, setAvailability } from '../operate/drain-node.js';
import type { Platform } from '../platform.js';
import { stream } from './operate.js';

/** `paas nodes`: the machines of a multi-node platform (admin only; NOT_ON_SWARM on one engine). */
export function registerNodeRoutes(app: FastifyInstance, p: Platform): void {
  const nodeParam = (params: unknown): string => (params as { node: string }).node;

  app.get('/v1/nodes', async (request): Promise<NodeList> => {
    requireAdmin(request);
    return { nodes: await listNodes(p.store, p.runtime) };
  });

  app.get('/v1/nodes/join-command', async (request): Promise<JoinCommand> => {
    requireAdmin(request);
    return { command: await nodeRuntime(p.runtime).joinCommand() };
  });

  app.post('/v1/nodes/:node/activate', async (request): Promise<Omit<NodeListing, 'instances' | 'dataServices'>> => {
    const admin = requireAdmin(request);
    const node = await setAvailability(p.runtime, nodeParam(request.params), 'active');
    await p.store.addEvent({ app: null, actor: admin.name, action: 'node.activate', detail: { node: node.name } });
    return node;
  });

  app.post('/v1/nodes/:node/drain', async (request, reply) => {
    const admin = requireAdmin(request);
    const name = nodeParam(request.params);
    // Refusals that change nothing are plain 4xx answers, before the stream (drainNode checks again).
    await checkDrainable(p.store, p.runtime, name);
    await stream(reply, async (emit) => {
      const result = await drainNode({ store: p.store, deployer: p.deployer, locks: p.locks, wake: (a) => p.wake(a) }, name, emit);
      await p.store.addEvent({ app: null, actor: admin.name, action: 'node.drain', detail: { node: result.node, moved: result.moved } });
    });
  });
}
