import { relative } from 'node:path';
import type { Command } from 'commander';
import type { AppInfo } from '@paas/core';
import { chooseAppName } from '../app-name.js';
import { apiClient, type Context } from '../context.js';
import { writeLink } from '../link.js';

export function registerCreate(program: Command, ctx: Context): void {
  program
    .command('create')
    .description('create an app and link this directory to it')
    .argument('[name]', "app name (default: this directory's name, lower-cased)")
    .addHelpText('after', `
Examples:
  $ cd blog && paas create          # creates the app "blog"
  $ paas create my-blog`)
    .action(async (name: string | undefined) => {
      // The name is checked before any request: a bad one never reaches the API.
      const app = chooseAppName(name, ctx.cwd);
      const client = await apiClient(ctx);
      const info = await client.request<AppInfo>('POST', '/apps', { name: app });
      const file = await writeLink(ctx.cwd, info.name);
      ctx.out.step(`Created ${info.name}`);
      ctx.out.detail(`URL:    ${info.url}`);
      ctx.out.detail(`linked: ${relative(ctx.cwd, file)} (paas push deploys this directory)`);
    });
}
