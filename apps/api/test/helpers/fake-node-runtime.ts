import type { InstanceSpec, InstanceState, NodeAvailability, NodeInfo } from '../../src/runtime/types.js';
import { FakeRuntime } from './fake-runtime.js';

/**
 * A fake multi-node runtime: instances are placed round-robin on the nodes
 * that are active and not avoided, as Swarm places a one-replica service
 * (a paused or drained node gets nothing new).
 */
export class NodeRuntime extends FakeRuntime {
  readonly nodes: NodeInfo[] = ['n1', 'n2', 'n3'].map((name, i) => ({
    name, id: `id-${name}`, address: `10.0.0.${11 + i}`, role: i === 0 ? 'manager' : 'worker', leader: i === 0,
    state: 'ready', availability: 'active', cpus: 2, memoryBytes: 2 * 2 ** 30, engineVersion: '20.10.24',
  }));
  #next = 0;

  override async startInstance(spec: InstanceSpec): Promise<InstanceState> {
    const eligible = this.nodes.filter((n) => n.availability === 'active' && !(spec.avoidNodes ?? []).includes(n.name));
    const node = eligible[this.#next++ % Math.max(1, eligible.length)];
    if (node === undefined) throw new Error('no suitable node');
    this.calls.push(`place ${spec.service}.${spec.index} ${spec.release} on ${node.name}${spec.avoidNodes ? ` avoiding ${spec.avoidNodes.join(',')}` : ''}`);
    const state = await super.startInstance(spec);
    this.instances.get(state.id)!.node = node.name;
    return { ...state, node: node.name };
  }

  async listNodes(): Promise<NodeInfo[]> {
    return structuredClone(this.nodes);
  }

  async setNodeAvailability(node: string, availability: NodeAvailability): Promise<void> {
    const n = this.nodes.find((x) => x.name === node);
    if (!n) throw new Error(`no node ${node}`);
    n.availability = availability;
    this.calls.push(`availability ${node} ${availability}`);
  }

  async joinCommand(): Promise<string> {
    return 'docker swarm join --token SWMTKN-1-x 10.0.0.11:2377';
  }
}
