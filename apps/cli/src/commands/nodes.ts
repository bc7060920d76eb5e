import type { Command } from 'commander';
import type { JoinCommand, NodeList, NodeListing, PushEvent } from '@paas/core';
import { apiClient, type Context } from '../context.js';
import { formatBytes, paint, table, type Output } from '../output.js';
import { PushRenderer } from '../render-push.js';

const nodePath = (node: string, action: string): string => `/nodes/${encodeURIComponent(node)}/${action}`;

/** `2`, `0.5`: a node's CPUs without trailing zeros. */
function formatCpus(cpus: number): string {
  return String(Math.round(cpus * 100) / 100);
}

/** The table of `paas nodes`: the leader is `manager*`; an availability other than active and a state other than ready stand out on a TTY. */
export function nodeRows(nodes: NodeListing[], color = false): string[][] {
  return [
    ['NAME', 'ADDRESS', 'ROLE', 'STATE', 'AVAILABILITY', 'INSTANCES', 'CPUS', 'MEMORY'],
    ...nodes.map((n) => [
      n.name,
      n.address,
      n.role === 'manager' && n.leader ? 'manager*' : n.role,
      n.state === 'ready' ? n.state : paint(n.state, 'red', color),
      n.availability === 'active' ? n.availability : paint(n.availability, 'yellow', color),
      n.dataServices > 0 ? `${n.instances} (+${n.dataServices} data)` : String(n.instances),
      formatCpus(n.cpus),
      formatBytes(n.memoryBytes),
    ]),
  ];
}

/** Renders the drain's events as `paas restart` does; the node's own steps (no service) are headings. */
async function renderDrain(events: AsyncIterable<PushEvent>, out: Output, json: boolean): Promise<void> {
  const renderer = new PushRenderer(out);
  for await (const event of events) {
    if (json) {
      out.line(JSON.stringify(event));
      if (event.type === 'error') renderer.render(event); // throws with the catalogue's exit code
      continue;
    }
    if (event.type === 'node.drained') {
      out.step(`${event.node} is drained: ${event.moved.length === 0 ? 'no instance had to move' : `moved ${event.moved.join(', ')}`}`);
    } else if (event.type === 'deploy.step' && event.service === '') {
      out.step(event.step);
    } else {
      renderer.render(event);
    }
  }
}

export function registerNodes(program: Command, ctx: Context): void {
  const nodes = program
    .command('nodes')
    .description('the machines of a multi-node platform (Docker Swarm): list, drain, activate, join (admin only)')
    .addHelpText('after', `
Examples:
  $ paas nodes                      # NAME ADDRESS ROLE STATE AVAILABILITY INSTANCES CPUS MEMORY
  $ paas nodes drain node-2         # move its instances away, without downtime
  $ paas nodes activate node-2      # place instances there again
  $ paas nodes join-command         # what to run on a new machine

ROLE manager* is the leader. A platform on one Docker Engine has no nodes
(exit 5). See docs/swarm.md.`);

  nodes
    .command('list', { isDefault: true })
    .alias('ls')
    .description('list the nodes with their state, availability, instances, CPUs and memory')
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', `
Examples:
  $ paas nodes
  $ paas nodes list --json | jq -r '.nodes[].name'

INSTANCES counts this platform's instances on the node (+N data: data
services whose volume is there). AVAILABILITY: active (takes new
instances), pause (keeps what runs, takes nothing new), drain (runs
nothing of the platform).`)
    .action(async (opts: { json?: boolean }) => {
      const client = await apiClient(ctx);
      const list = await client.request<NodeList>('GET', '/nodes');
      if (opts.json === true) return ctx.out.json(list);
      for (const line of table(nodeRows(list.nodes, ctx.out.outColor))) ctx.out.line(line);
    });

  nodes
    .command('drain')
    .description("move every instance off NODE without downtime, then keep the platform's work off it")
    .argument('<node>', 'the node as paas nodes lists it (its host name)')
    .option('--json', 'print the events as NDJSON')
    .addHelpText('after', `
Examples:
  $ paas nodes drain node-2
  $ paas nodes drain node-2 --json

The node is paused first (nothing new is placed there, what runs stays).
Then each instance on it is replaced as paas restart does: a new one starts
on another node and becomes healthy, the router switches to it, the old
one is drained and stopped, one at a time per app. Last the node is set to
drain. A node holding a data service's volume is refused before anything
changes (exit 5): moving data services is not supported yet. If it stops
half-way the node stays paused; run it again to finish.`)
    .action(async (node: string, opts: { json?: boolean }) => {
      const client = await apiClient(ctx);
      await renderDrain(client.operation(nodePath(node, 'drain'), {}), ctx.out, opts.json === true);
    });

  nodes
    .command('activate')
    .description('let the platform place instances on NODE again (after a drain or pause)')
    .argument('<node>', 'the node as paas nodes lists it (its host name)')
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', `
Examples:
  $ paas nodes activate node-2

Instances already moved away stay where they are; new ones (a push, a
scale, a restart) may land on the node again.`)
    .action(async (node: string, opts: { json?: boolean }) => {
      const client = await apiClient(ctx);
      const info = await client.request<Omit<NodeListing, 'instances' | 'dataServices'>>('POST', nodePath(node, 'activate'), {});
      if (opts.json === true) return ctx.out.json(info);
      ctx.out.step(`${info.name} is ${info.availability}: new instances may be placed there`);
    });

  nodes
    .command('join-command')
    .description('print the command that makes a new machine a node (a worker) of the platform')
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', `
Examples:
  $ paas nodes join-command
  $ ssh root@new-machine "$(paas nodes join-command)"

Run it as root on a machine with a Docker Engine that reaches the manager
on port 2377 (and the nodes on 7946 tcp/udp and 4789 udp). The command
holds the swarm's secret worker token: keep it to yourself.`)
    .action(async (opts: { json?: boolean }) => {
      const client = await apiClient(ctx);
      const join = await client.request<JoinCommand>('GET', '/nodes/join-command');
      if (opts.json === true) return ctx.out.json(join);
      ctx.out.line(join.command);
    });
}
