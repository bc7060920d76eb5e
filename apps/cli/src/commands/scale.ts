import type { Command } from 'commander';
import { parseScaleArgs } from '@paas/core';
import { apiClient, type Context } from '../context.js';
import { resolveApp } from '../link.js';
import { renderOperation } from '../render-operation.js';
import { withAppOption } from './app-option.js';

export function registerScale(program: Command, ctx: Context): void {
  withAppOption(program.command('scale'))
    .description('set how many instances each code service runs (health-gated, no failed requests)')
    .argument('<service=count...>', 'e.g. www=3 worker=2; 0 stops a service')
    .option('--json', 'print the events as NDJSON')
    .addHelpText('after', `
Examples:
  $ paas scale www=3
  $ paas scale www=2 worker=0 -a blog

New instances join the router only once healthy; removed ones are drained,
then stopped. The count stays across pushes, unless the spec's instances:
changes, which then wins (the push says so).`)
    .action(async (args: string[], opts: { app?: string; json?: boolean }) => {
      // Bad forms stop here, before any request.
      const scale = parseScaleArgs(args);
      const name = await resolveApp(opts.app, ctx.cwd);
      const client = await apiClient(ctx);
      await renderOperation(client.operation(`/apps/${encodeURIComponent(name)}/scale`, { scale }), ctx.out, opts.json === true);
    });
}
