import type { Command } from 'commander';
import { checkAppName, checkServiceName, isPaasError, isServiceName, PaasError, type DataServiceInfo } from '@paas/core';
import type { ApiClient } from '../api-client.js';
import { apiClient, type Context } from '../context.js';
import { confirmByName, getDataService, serviceLabel, servicePath } from '../data-services.js';
import { findLink, removeLink } from '../link.js';
import { ask } from '../prompt.js';
import { withAppOption } from './app-option.js';

/** Answers that only mean "NAME is not a data service of that app". */
const NOT_A_SERVICE = new Set(['SERVICE_NOT_FOUND', 'APP_NOT_FOUND', 'NOT_FOUND']);

/**
 * The data service NAME of the linked app, if it has one; undefined means
 * NAME is an app, as before data services existed.
 */
async function linkedService(ctx: Context, name: string): Promise<{ app: string; service: DataServiceInfo; client: ApiClient } | undefined> {
  if (!isServiceName(name)) return undefined;
  const link = await findLink(ctx.cwd);
  if (link === undefined) return undefined;
  const client = await apiClient(ctx);
  try {
    return { app: link.app, service: await getDataService(client, link.app, name), client };
  } catch (err) {
    if (isPaasError(err) && NOT_A_SERVICE.has(err.code)) return undefined;
    throw err;
  }
}

async function destroyService(ctx: Context, client: ApiClient, app: string, service: DataServiceInfo, opts: { yes?: boolean; app?: string }): Promise<void> {
  const label = serviceLabel(service, app);
  await confirmByName(ctx, {
    yes: opts.yes === true,
    expected: service.name,
    noun: 'service',
    action: `destroy ${label}`,
    yesCommand: `paas destroy ${service.name}${opts.app === undefined ? '' : ` -a ${app}`} --yes`,
    unchanged: 'nothing was destroyed',
    warning: [
      `This deletes the data service ${label}: its container, its volume with all its data, and its credentials. It cannot be undone.`,
      `${app} keeps running but loses its connection to ${service.name}.`,
      `To keep the data, first run: paas backup ${service.name}${opts.app === undefined ? '' : ` -a ${app}`}`,
    ],
  });
  await client.request<undefined>('DELETE', servicePath(app, service.name));
  ctx.out.step(`Destroyed ${label}`);
}

async function destroyApp(ctx: Context, name: string, opts: { yes?: boolean }): Promise<void> {
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
}

export function registerDestroy(program: Command, ctx: Context): void {
  program
    .command('destroy')
    .description('delete a data service of the app, or a whole app with its instances, data services and volumes (asks first)')
    .argument('<name>', 'a data service of the app, or else an app; never taken from the link, so it is always typed on purpose')
    .option('-a, --app <app>', 'NAME is a data service of this app (never the app itself)')
    .option('--yes', 'do not ask (for scripts)')
    .addHelpText('after', `
What NAME is:
  with -a APP         a data service of APP (an error if APP has none of that name)
  without -a          a data service of the app this directory is linked to,
                      when that app has one of that name; otherwise an app

Destroying a data service deletes its container, its volume with all its
data, and its credentials; the app keeps running without it. Destroying an
app deletes everything of it. Either way it asks you to type NAME again;
without a terminal it refuses unless --yes is given.

Examples:
  $ paas destroy db                 # the data service db of the linked app, if it has one
  $ paas destroy db -a blog         # the data service db of blog
  $ paas destroy blog               # the app blog: asks you to type "blog"
  $ paas destroy blog --yes         # in scripts`)
    .action(async (name: string, opts: { app?: string; yes?: boolean }) => {
      if (opts.app !== undefined) {
        checkServiceName(name);
        const client = await apiClient(ctx);
        const service = await getDataService(client, opts.app, name);
        return destroyService(ctx, client, opts.app, service, opts);
      }
      const found = await linkedService(ctx, name);
      if (found !== undefined) return destroyService(ctx, found.client, found.app, found.service, opts);
      return destroyApp(ctx, name, opts);
    });
}
