import type { Command } from 'commander';
import type { AppInfo } from '@paas/core';
import { apiClient, type Context } from '../context.js';
import { table } from '../output.js';

export function registerApps(program: Command, ctx: Context): void {
  program
    .command('apps')
    .description('list your apps')
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', `
Examples:
  $ paas apps
  $ paas apps --json | jq -r '.[].name'`)
    .action(async (opts: { json?: boolean }) => {
      const client = await apiClient(ctx);
      const apps = await client.request<AppInfo[]>('GET', '/apps');
      if (opts.json === true) return ctx.out.json(apps);
      if (apps.length === 0) {
        ctx.out.line('You have no apps yet: run paas create in your app directory.');
        return;
      }
      ctx.out.section('Apps');
      for (const line of table(apps.map((a) => [a.name, a.release ?? '(not pushed)', a.url]))) ctx.out.line(line);
    });
}
