import type { Command } from 'commander';
import { parseInstanceRef } from '@paas/core';
import { apiClient, type Context } from '../context.js';
import { resolveApp } from '../link.js';
import { renderOperation } from '../render-operation.js';
import { withAppOption } from './app-option.js';

export function registerRestart(program: Command, ctx: Context): void {
  withAppOption(program.command('restart'))
    .description("restart a service's instances one by one, each replaced by a healthy new one first")
    .argument('<service[.N]>', 'a service (www) or one of its instances (www.2)')
    .option('--json', 'print the events as NDJSON')
    .addHelpText('after', `
Examples:
  $ paas restart www
  $ paas restart www.2 -a blog`)
    .action(async (ref: string, opts: { app?: string; json?: boolean }) => {
      const target = parseInstanceRef(ref);
      const name = await resolveApp(opts.app, ctx.cwd);
      const client = await apiClient(ctx);
      await renderOperation(client.operation(`/apps/${encodeURIComponent(name)}/restart`, target), ctx.out, opts.json === true);
    });
}
