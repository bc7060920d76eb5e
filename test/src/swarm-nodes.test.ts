import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSwarmNodes, setSwarmNodeAvailability, swarmJoinCommand } from '../../apps/api/dist/runtime/swarm-nodes.js';
import { LAB_SCRIPT, run, type Ran } from './harness/lab.js';
import { assertDocker } from './harness/docker.js';

// The Swarm driver's node functions against a real swarm: a lab of three
// Docker Engines (infra/swarm-lab.sh) with a name, a subnet and a directory
// of its own, so no other lab on this machine is touched. The third engine
// leaves the swarm and joins again with the command paas prints. The main
// engine is only read from (docker save of the stack image, by the lab).
const SCRIPT = LAB_SCRIPT;
const STACK = 'paas/stack:bookworm';
const NAME = 'swn';
const PREFIX = '10.213.64';
const DIR = '/var/lib/paas-swn';
const ENV = { ...process.env, PAAS_LAB_NAME: NAME, PAAS_LAB_SUBNET: `${PREFIX}.0/24`, PAAS_LAB_DIR: DIR, PAAS_LAB_NODES: '3' };
const NODES = [1, 2, 3].map((i) => ({ name: `${NAME}-${i}`, ip: `${PREFIX}.${10 + i}`, host: `unix://${DIR}/${NAME}-${i}/docker.sock` }));
const manager = new Docker({ socketPath: join(DIR, `${NAME}-1`, 'docker.sock') });
const SERVICE = 'swn-placed';

const lab = (...args: string[]): Promise<Ran> => run('bash', [SCRIPT, ...args], ENV, 600_000);
const on = (node: number, ...args: string[]): Promise<Ran> => run('docker', ['-H', NODES[node - 1]!.host, ...args], process.env, 60_000);

/** What the engine itself says of a node (not through the code under test). */
async function engineSays(node: string, format: string): Promise<string> {
  const r = await on(1, 'node', 'inspect', node, '--format', format);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

describe('swarm nodes: list, availability and the join command on a real three-node swarm', () => {
  beforeAll(async () => {
    await assertDocker();
    const stack = await run('docker', ['image', 'inspect', '--format', '{{.Id}}', STACK]);
    expect(stack.code, `no ${STACK}: run infra/install.sh first`).toBe(0);
    // A lab left by a run that was killed goes first.
    await lab('down');
    const up = await lab('up');
    expect(up.code, up.stderr).toBe(0);
  });
  afterAll(async () => {
    await lab('down');
    expect(existsSync(DIR), `${DIR} is left`).toBe(false);
  });

  it('lists the three nodes by name with their roles, addresses, leader, state, resources and engine version', async () => {
    const nodes = await listSwarmNodes(manager);
    expect(nodes.map((n) => [n.name, n.address, n.role, n.leader, n.state, n.availability])).toEqual([
      [`${NAME}-1`, `${PREFIX}.11`, 'manager', true, 'ready', 'active'],
      [`${NAME}-2`, `${PREFIX}.12`, 'worker', false, 'ready', 'active'],
      [`${NAME}-3`, `${PREFIX}.13`, 'worker', false, 'ready', 'active'],
    ]);
    for (const [i, n] of nodes.entries()) {
      expect(n.id).toBe(await engineSays(n.name, '{{.ID}}'));
      expect(n.cpus).toBe(Number(await engineSays(n.name, '{{.Description.Resources.NanoCPUs}}')) / 1e9);
      expect(n.cpus).toBeGreaterThan(0);
      expect(n.memoryBytes).toBe(Number(await engineSays(n.name, '{{.Description.Resources.MemoryBytes}}')));
      const version = await on(i + 1, 'version', '--format', '{{.Server.Version}}');
      expect(n.engineVersion).toBe(version.stdout.trim());
    }
  });

  it('pause, drain and active round-trip as the engine reports them, keeping the labels and the role', async () => {
    const node = `${NAME}-2`;
    const labels = await engineSays(node, '{{json .Spec.Labels}}');
    for (const availability of ['pause', 'drain', 'active'] as const) {
      await setSwarmNodeAvailability(manager, node, availability);
      expect(await engineSays(node, '{{.Spec.Availability}}')).toBe(availability);
      expect((await listSwarmNodes(manager)).find((n) => n.name === node)?.availability).toBe(availability);
      expect(await engineSays(node, '{{json .Spec.Labels}}')).toBe(labels);
      expect(await engineSays(node, '{{.Spec.Role}}')).toBe('worker');
    }
    // Setting what it has already changes nothing and succeeds.
    const version = await engineSays(node, '{{.Version.Index}}');
    await setSwarmNodeAvailability(manager, node, 'active');
    expect(await engineSays(node, '{{.Version.Index}}')).toBe(version);
    // The manager's own availability can be changed too.
    await setSwarmNodeAvailability(manager, `${NAME}-1`, 'pause');
    expect(await engineSays(`${NAME}-1`, '{{.Spec.Availability}}')).toBe('pause');
    await setSwarmNodeAvailability(manager, `${NAME}-1`, 'active');
    expect(await engineSays(`${NAME}-1`, '{{.Spec.Availability}}')).toBe('active');
  });

  it('a paused node gets no new task: what paas nodes drain relies on for the replacements', async () => {
    await setSwarmNodeAvailability(manager, `${NAME}-2`, 'pause');
    try {
      const create = await on(1, 'service', 'create', '--detach', '--name', SERVICE, '--no-resolve-image', '--replicas', '4', STACK, 'sleep', 'infinity');
      expect(create.code, create.stderr).toBe(0);
      const placed = await until('4 running tasks', async () => {
        const ps = await on(1, 'service', 'ps', SERVICE, '--filter', 'desired-state=running', '--format', '{{.Node}} {{.CurrentState}}');
        const lines = ps.stdout.split('\n').filter((l) => l.includes(' Running'));
        return lines.length === 4 ? lines.map((l) => l.split(' ')[0]) : undefined;
      }, 120_000);
      expect(placed).not.toContain(`${NAME}-2`);
    } finally {
      await on(1, 'service', 'rm', SERVICE);
      await setSwarmNodeAvailability(manager, `${NAME}-2`, 'active');
    }
  });

  it('an unknown node is NODE_NOT_FOUND naming the nodes, and nothing changes', async () => {
    const before = await listSwarmNodes(manager);
    await expect(setSwarmNodeAvailability(manager, 'swn-9', 'drain')).rejects.toMatchObject({
      code: 'NODE_NOT_FOUND',
      message: 'no node is named "swn-9"',
      hint: `the nodes are: ${NAME}-1, ${NAME}-2, ${NAME}-3 (paas nodes lists them)`,
    });
    expect(await listSwarmNodes(manager)).toEqual(before);
  });

  it("the join command carries the swarm's current worker token and the manager's address, and a third engine joins with it", async () => {
    const command = await swarmJoinCommand(manager);
    const token = (await on(1, 'swarm', 'join-token', '-q', 'worker')).stdout.trim();
    expect(token).toMatch(/^SWMTKN-/);
    expect(command).toBe(`docker swarm join --token ${token} ${PREFIX}.11:2377`);

    // swn-3 leaves, its old entry is removed, and it joins again with the command as printed.
    const oldId = await engineSays(`${NAME}-3`, '{{.ID}}');
    expect((await on(3, 'swarm', 'leave')).code).toBe(0);
    await until('swn-3 down', async () => ((await engineSays(oldId, '{{.Status.State}}')) === 'down' ? true : undefined));
    expect((await on(1, 'node', 'rm', oldId)).code).toBe(0);
    const [docker, ...args] = command.split(' ');
    expect(docker).toBe('docker');
    const join3 = await run('docker', ['-H', NODES[2]!.host, ...args]);
    expect(join3.code, join3.stderr).toBe(0);
    const back = await until('swn-3 ready again', async () => {
      const n = (await listSwarmNodes(manager)).find((x) => x.name === `${NAME}-3`);
      return n?.state === 'ready' ? n : undefined;
    });
    expect(back).toMatchObject({ role: 'worker', address: `${PREFIX}.13`, availability: 'active' });
    expect(back.id).not.toBe(oldId);
    // A rotated token is what the next command carries.
    expect((await on(1, 'swarm', 'join-token', '--rotate', '-q', 'worker')).code).toBe(0);
    const rotated = (await on(1, 'swarm', 'join-token', '-q', 'worker')).stdout.trim();
    expect(rotated).not.toBe(token);
    expect(await swarmJoinCommand(manager)).toBe(`docker swarm join --token ${rotated} ${PREFIX}.11:2377`);
  });
});
