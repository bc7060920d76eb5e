import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { checkAppName, PaasError, type AppInfo } from '@paas/core';
import { apiClient, type Context } from '../context.js';
import { findLink, linkRoot, writeLink } from '../link.js';

export function registerLink(program: Command, ctx: Context): void {
  program
    .command('link')
    .description('link DIR (default: this directory) to an existing app, so app commands and paas push there use it')
    .argument('<name>', 'the app, as paas apps lists it')
    .argument('[dir]', 'the directory to link', '.')
    .addHelpText('after', `
Examples:
  $ git clone ssh://git.example.com/blog && cd blog && paas link blog
  $ paas link blog ~/src/blog       # link another directory
  $ paas push                       # from DIR or any folder below it`)
    .action(async (name: string, dir: string) => {
      // An invalid name cannot name an app: no request for it.
      checkAppName(name);
      const root = resolve(ctx.cwd, dir);
      const st = await stat(root).catch(() => undefined);
      if (st?.isDirectory() !== true) {
        throw new PaasError('USAGE', `${root} is not a directory`, { hint: 'paas link NAME [DIR]: DIR must be an existing directory' });
      }
      const client = await apiClient(ctx);
      // The app must exist (and be yours): a 404 is APP_NOT_FOUND, and nothing is written.
      const app = await client.request<AppInfo>('GET', `/apps/${encodeURIComponent(name)}`);
      // A broken link here is what linking again repairs: not a reason to stop.
      const before = await findLink(root).catch(() => undefined);
      const file = await writeLink(root, app.name);
      ctx.out.step(`Linked ${root} to ${app.name}`);
      if (before !== undefined && linkRoot(before.file) === root && before.app !== app.name) ctx.out.detail(`it was linked to ${before.app}`);
      ctx.out.detail(`wrote ${file}`);
      ctx.out.detail(`paas push in ${root} or any folder below it deploys ${app.name}`);
    });
}
