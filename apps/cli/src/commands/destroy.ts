import type { Command } from 'commander';
import { checkAppName, PaasError } from '@paas/core';
import { apiClient, type Context } from '../context.js';
import { findLink, removeLink } from '../link.js';
import { ask } from '../prompt.js';

export function registerDestroy(program: Command, ctx: Context): void {
  program
    .command('destroy')
    .description('delete an app, its instances, data services and volumes (asks first)')
    .argument('<name>', 'the app to destroy; never taken from the link, so it is always typed on purpose')
    .option('--yes', 'do not ask (for scripts)')
    .addHelpText('after', `
Examples:
  $ paas destroy blog               # asks you to type "blog"
  $ paas destroy blog --yes         # in scripts`)
    .action(async (name: string, opts: { yes?: boolean }) => {
      checkAppName(name);
      if (opts.yes !== true) {
        if (ctx.stdin.isTTY !== true) {
          throw new PaasError('USAGE', `refusing to destroy ${name} without confirmation`, {
            hint: `pass --yes to destroy without asking: paas destroy ${name} --yes`,
          });
        }
        ctx.out.note(` !     This deletes ${name}: its instances, data services and their volumes. It cannot be undone.`);
        const typed = await ask(`       Type the app name to confirm: `, ctx.stdin, process.stderr);
        if (typed !== name) {
          throw new PaasError('USAGE', `confirmation did not match ${JSON.stringify(name)}: nothing was destroyed`);
        }
      }
      const client = await apiClient(ctx);
      await client.request<undefined>('DELETE', `/apps/${encodeURIComponent(name)}`);
      const link = await findLink(ctx.cwd);
      if (link?.app === name) await removeLink(link.file);
      ctx.out.step(`Destroyed ${name}`);
    });
}
