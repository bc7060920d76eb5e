import type { Command } from 'commander';
import { checkServiceName, isPaasError, type AppDetail, type DataServiceInfo } from '@paas/core';
import type { ApiClient } from '../api-client.js';
import { urlLine, webUrl } from '../app-url.js';
import { apiClient, type Context } from '../context.js';
import { getDataService, MASK, maskSecret } from '../data-services.js';
import { resolveApp } from '../link.js';
import { paint, table } from '../output.js';
import { instanceRows } from './ps.js';
import { withAppOption } from './app-option.js';

/** `www (python) × 2, db (postgresql)` from the active spec and scale. */
function describeServices(app: AppDetail): string[] {
  const lines: string[] = [];
  const services = app.spec?.services ?? {};
  for (const [name, s] of Object.entries(services)) {
    const scale = s.kind === 'code' ? ` × ${app.scale[name] ?? s.instances}` : '';
    lines.push(`${name} (${s.type})${scale}`);
  }
  // Scale entries without a spec (never pushed) are still worth showing.
  for (const [name, n] of Object.entries(app.scale)) if (!(name in services)) lines.push(`${name} × ${n}`);
  return lines;
}

/**
 * The data services of an app, or undefined from an API that has no such
 * route yet (the app's own request says whether the app exists).
 */
async function listDataServices(client: ApiClient, app: string, secrets: boolean): Promise<DataServiceInfo[] | undefined> {
  try {
    return await client.request<DataServiceInfo[]>('GET', `/apps/${encodeURIComponent(app)}/services${secrets ? '?secrets=1' : ''}`);
  } catch (err) {
    if (isPaasError(err) && (err.code === 'NOT_FOUND' || err.code === 'APP_NOT_FOUND')) return undefined;
    throw err;
  }
}

function statusText(s: DataServiceInfo): string {
  return s.inSpec ? s.status : `${s.status}, not in paas.yml`;
}

/** NAME TYPE STATUS ADDRESS LOGIN URL, the password masked unless shown on purpose. */
export function dataServiceRows(services: DataServiceInfo[], showSecrets: boolean): string[][] {
  // On Swarm each data service is pinned to the node holding its volume: NODE says which.
  const nodes = services.some((s) => s.node !== undefined);
  return [
    ['NAME', 'TYPE', 'STATUS', 'ADDRESS', 'LOGIN', 'URL', ...(nodes ? ['NODE'] : [])],
    ...services.map((s) => [
      s.name, s.type, statusText(s), `${s.host}:${s.port}`, s.login, maskSecret(s.url, s.password, showSecrets),
      ...(nodes ? [s.node ? `${s.node} (pinned)` : '-'] : []),
    ]),
  ];
}

function printDataService(ctx: Context, app: string, s: DataServiceInfo, showSecrets: boolean): void {
  const secret = (text: string): string => maskSecret(text, s.password, showSecrets);
  ctx.out.section(`${s.name} (${s.type}) of ${app}`);
  const rows = [
    ['Type:', s.type],
    ['Status:', statusText(s)],
    ['Host:', s.host],
    ['Port:', String(s.port)],
    ['Login:', s.login],
    ['Password:', showSecrets ? s.password : MASK],
    ['Database:', s.database === '' ? '-' : s.database],
    ['URL:', secret(s.url)],
    ['Created:', s.createdAt],
    ...(s.node ? [['Node:', `${s.node} (pinned: its volume is there)`]] : []),
  ];
  for (const line of table(rows)) ctx.out.line(line);
  ctx.out.line();
  ctx.out.section('Environment of the instances');
  const env = Object.entries(s.env).sort(([a], [b]) => a.localeCompare(b));
  if (env.length === 0) ctx.out.line('(none)');
  for (const [name, value] of env) ctx.out.line(`${name}=${secret(value)}`);
  if (!s.inSpec) ctx.out.warn(`paas.yml no longer names ${s.name}: it is kept, with its data, until paas destroy ${s.name}`);
  if (!showSecrets) ctx.out.note(paint('(secrets masked: --show-secrets shows them)', 'dim', ctx.out.errColor));
}

export function registerInfo(program: Command, ctx: Context): void {
  withAppOption(program.command('info'))
    .description('show an app (owner, URL, release, services, data services, instances), or one of its data services')
    .argument('[service]', 'a data service of the app: its address, login and environment')
    .option('--json', 'print the API answer as JSON')
    .option('--show-secrets', 'show passwords instead of ********')
    .addHelpText('after', `
Examples:
  $ paas info
  $ paas info -a blog --json
  $ paas info db                    # the data service db: host, port, login, URL
  $ paas info db --show-secrets     # with its password
  $ paas info db --json --show-secrets | jq -r .url`)
    .action(async (service: string | undefined, opts: { app?: string; json?: boolean; showSecrets?: boolean }) => {
      const showSecrets = opts.showSecrets === true;
      if (service !== undefined) checkServiceName(service);
      const name = await resolveApp(opts.app, ctx.cwd);
      const client = await apiClient(ctx);
      if (service !== undefined) {
        const info = await getDataService(client, name, service, showSecrets);
        if (opts.json === true) return ctx.out.json(info);
        return printDataService(ctx, name, info, showSecrets);
      }
      if (opts.json === true) return ctx.out.json(await client.request<AppDetail>('GET', `/apps/${encodeURIComponent(name)}`));
      const [app, dataServices] = await Promise.all([
        client.request<AppDetail>('GET', `/apps/${encodeURIComponent(name)}`),
        listDataServices(client, name, showSecrets),
      ]);
      ctx.out.section(app.name);
      const services = describeServices(app);
      const rows = [
        ['Owner:', app.owner],
        ['URL:', urlLine(app)],
        ['Release:', app.release ?? '(not pushed yet)'],
        ['Created:', app.createdAt],
        ['Services:', services.length === 0 ? '(none)' : services.join(', ')],
      ];
      for (const line of table(rows)) ctx.out.line(line);
      if (dataServices !== undefined) {
        ctx.out.line();
        ctx.out.section('Data services');
        if (dataServices.length === 0) ctx.out.line('(none)');
        else for (const line of table(dataServiceRows(dataServices, showSecrets))) ctx.out.line(line);
      }
      ctx.out.line();
      ctx.out.section('Instances');
      if (app.instances.length === 0) ctx.out.line('(none running)');
      else for (const line of table(instanceRows(app.instances, false))) ctx.out.line(line);
      ctx.out.line();
      ctx.out.section('Releases');
      if (app.releases.length === 0) ctx.out.line('(none yet)');
      for (const line of table(app.releases.slice(0, 5).map((r) => [r.id, r.status, r.description ?? `build ${r.build}`, r.createdAt]))) ctx.out.line(line);
      ctx.out.line();
      ctx.out.section('Builds');
      if (app.builds.length === 0) ctx.out.line('(none yet)');
      for (const line of table(app.builds.slice(0, 5).map((b) => [`#${b.number}`, b.id, b.error ? `${b.status} (${b.error})` : b.status, b.createdAt]))) ctx.out.line(line);
    });

  withAppOption(program.command('url'))
    .description("print the app's URL (for scripts: curl $(paas url))")
    .addHelpText('after', `
Examples:
  $ paas url
  $ curl -s $(paas url -a blog)/health`)
    .action(async (opts: { app?: string }) => {
      const name = await resolveApp(opts.app, ctx.cwd);
      const client = await apiClient(ctx);
      const app = await client.request<AppDetail>('GET', `/apps/${encodeURIComponent(name)}`);
      ctx.out.line(webUrl(app));
    });
}
