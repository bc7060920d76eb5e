import { PaasError } from '@paas/core';
import type Dockerode from 'dockerode';
import type { NodeAvailability, NodeInfo } from './types.js';

/**
 * The nodes of a Docker Swarm, for the Swarm driver's listNodes,
 * setNodeAvailability and joinCommand (`paas nodes`). Each function takes a
 * Dockerode connected to a manager of the swarm.
 */

/** What the engine answers for one node (GET /nodes), the fields read here. */
interface EngineNode {
  ID: string;
  Version?: { Index?: number };
  Spec?: { Name?: string; Labels?: Record<string, string>; Role?: string; Availability?: string };
  Description?: {
    Hostname?: string;
    Resources?: { NanoCPUs?: number; MemoryBytes?: number };
    Engine?: { EngineVersion?: string };
  };
  Status?: { State?: string; Addr?: string };
  ManagerStatus?: { Leader?: boolean; Reachability?: string; Addr?: string };
}

/** `10.0.0.1:2377` → `10.0.0.1`, `[fd00::1]:2377` → `fd00::1`. */
function hostOf(addr: string): string {
  const m = /^\[(.*)\](?::\d+)?$/.exec(addr) ?? /^([^:]*)(?::\d+)?$/.exec(addr);
  return m?.[1] ?? addr;
}

/** The address a node's tasks are reached on; a manager may report 0.0.0.0 there, its ManagerStatus has the real one. */
function nodeAddress(n: EngineNode): string {
  const addr = n.Status?.Addr ?? '';
  if ((addr === '' || addr === '0.0.0.0') && n.ManagerStatus?.Addr) return hostOf(n.ManagerStatus.Addr);
  return addr;
}

function toNodeInfo(n: EngineNode): NodeInfo {
  return {
    name: n.Description?.Hostname ?? n.ID,
    id: n.ID,
    address: nodeAddress(n),
    role: n.Spec?.Role === 'manager' ? 'manager' : 'worker',
    leader: n.ManagerStatus?.Leader === true,
    state: n.Status?.State ?? 'unknown',
    availability: n.Spec?.Availability ?? 'unknown',
    cpus: (n.Description?.Resources?.NanoCPUs ?? 0) / 1e9,
    memoryBytes: n.Description?.Resources?.MemoryBytes ?? 0,
    engineVersion: n.Description?.Engine?.EngineVersion ?? '',
  };
}

async function engineNodes(docker: Dockerode): Promise<EngineNode[]> {
  return (await docker.listNodes()) as EngineNode[];
}

/** Every node of the swarm, sorted by name. */
export async function listSwarmNodes(docker: Dockerode): Promise<NodeInfo[]> {
  return (await engineNodes(docker)).map(toNodeInfo).sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
}

/** The node with this host name, or NODE_NOT_FOUND naming the nodes there are. */
async function findNode(docker: Dockerode, name: string): Promise<EngineNode> {
  const nodes = await engineNodes(docker);
  // A machine that left and joined again is listed twice under its name until the old entry is removed: the live one counts.
  const node = nodes
    .filter((n) => n.Description?.Hostname === name)
    .sort((a, b) => Number(a.Status?.State === 'down') - Number(b.Status?.State === 'down'))[0];
  if (node === undefined) {
    const names = nodes.map((n) => n.Description?.Hostname ?? n.ID).sort();
    throw new PaasError('NODE_NOT_FOUND', `no node is named ${JSON.stringify(name)}`, {
      hint: `the nodes are: ${names.join(', ') || '(none)'} (paas nodes lists them)`,
    });
  }
  return node;
}

/**
 * Sets whether Swarm may place tasks on the node: active, pause (nothing
 * new, running tasks stay), drain (its tasks are moved away). Its labels
 * and role are kept. A node that changed meanwhile (the engine refuses an
 * old version) is read again and updated once more.
 */
export async function setSwarmNodeAvailability(docker: Dockerode, name: string, availability: NodeAvailability): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const node = await findNode(docker, name);
    if (node.Spec?.Availability === availability) return;
    const spec = { ...node.Spec, Availability: availability };
    try {
      await docker.getNode(node.ID).update({ _query: { version: node.Version?.Index ?? 0 }, _body: spec } as object);
      return;
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      if (status === 404) {
        throw new PaasError('NODE_NOT_FOUND', `the node ${name} left the swarm`, { hint: 'paas nodes lists the nodes' });
      }
      // "update out of sequence": someone else updated the node since it was read.
      if (attempt < 3 && /out of sequence/i.test(String((err as Error).message))) continue;
      throw err;
    }
  }
}

/**
 * What an operator runs on a new machine to make it a worker node: the
 * swarm's current worker token and a manager's address (the leader's
 * first).
 */
export async function swarmJoinCommand(docker: Dockerode): Promise<string> {
  const swarm = (await docker.swarmInspect()) as { JoinTokens?: { Worker?: string } };
  const token = swarm.JoinTokens?.Worker;
  if (!token) throw new PaasError('INTERNAL', 'the swarm manager did not tell its worker join token');
  const managers = (await engineNodes(docker))
    .filter((n) => n.ManagerStatus?.Addr)
    .sort((a, b) => Number(b.ManagerStatus?.Leader === true) - Number(a.ManagerStatus?.Leader === true));
  const addr = managers[0]?.ManagerStatus?.Addr;
  if (addr === undefined) throw new PaasError('INTERNAL', 'the swarm has no manager with an address');
  return `docker swarm join --token ${token} ${addr.includes(':') && !addr.endsWith(']') ? addr : `${addr}:2377`}`;
}
