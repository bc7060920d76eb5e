import type { Command } from 'commander';
import type { InstanceInfo } from '@paas/core';
import { apiClient, type Context } from '../context.js';
import { resolveApp } from '../link.js';
import { formatBytes, table } from '../output.js';
import { withAppOption } from './app-option.js';

/** 59s, 12m, 3h, 2d: how long an instance has run. */
export function formatUptime(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

/**
 * The table of `paas ps` (and `paas info`); a NODE column only on a
 * multi-node platform (some instance has a node), a REASON column only when
 * some instance has one (out of the router, killed for memory).
 */
export function instanceRows(instances: InstanceInfo[], withStats: boolean): string[][] {
  const withNode = instances.some((i) => i.node !== undefined);
  const withReason = instances.some((i) => i.reason !== undefined);
  const header = ['INSTANCE', 'RELEASE', 'STATE', 'RESTARTS', 'UPTIME', ...(withNode ? ['NODE'] : []), ...(withStats ? ['CPU', 'MEMORY'] : []), ...(withReason ? ['REASON'] : [])];
  return [
    header,
    ...instances.map((i) => [
      i.name,
      i.release,
      i.state === 'crashed' && i.exitCode !== null ? `crashed (exit ${i.exitCode})` : i.state,
      String(i.restarts),
      formatUptime(i.uptime),
      ...(withNode ? [i.node ?? '-'] : []),
      ...(withStats
        ? [i.cpuPercent === undefined ? '-' : `${i.cpuPercent.toFixed(1)}%`, i.memoryBytes === undefined ? '-' : formatBytes(i.memoryBytes)]
        : []),
      ...(withReason ? [i.reason ?? ''] : []),
    ]),
  ];
}

export function registerPs(program: Command, ctx: Context): void {
  withAppOption(program.command('ps'))
    .description('list the instances of an app with state, release, restarts, uptime, node, CPU and memory')
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', `
Examples:
  $ paas ps
  $ paas ps -a blog --json

States: starting, healthy, unhealthy (running but not taking traffic),
crashed, restarting, draining (being retired after a deploy), stopped.
A REASON column says why, when the platform knows: "stopped answering
/health (3 checks)" (taken out of the router and being replaced), "killed:
over its memory limit" (the engine restarted it).
On a platform of several machines (Docker Swarm) a NODE column says where
each instance runs (paas nodes lists the machines).`)
    .action(async (opts: { app?: string; json?: boolean }) => {
      const name = await resolveApp(opts.app, ctx.cwd);
      const client = await apiClient(ctx);
      const instances = await client.request<InstanceInfo[]>('GET', `/apps/${encodeURIComponent(name)}/ps`);
      instances.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }) || a.release.localeCompare(b.release, undefined, { numeric: true }));
      if (opts.json === true) return ctx.out.json(instances);
      if (instances.length === 0) return ctx.out.line('(no instance runs)');
      for (const line of table(instanceRows(instances, true))) ctx.out.line(line);
    });
}
