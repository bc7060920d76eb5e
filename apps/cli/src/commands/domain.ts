import type { Command } from 'commander';
import { checkDomain, type DomainAdded, type DomainInfo } from '@paas/core';
import { apiClient, type Context } from '../context.js';
import { resolveApp } from '../link.js';
import { table } from '../output.js';
import { withAppOption } from './app-option.js';

const domainsPath = (app: string): string => `/apps/${encodeURIComponent(app)}/domains`;

async function listDomains(ctx: Context, opts: { app?: string; json?: boolean }): Promise<void> {
  const app = await resolveApp(opts.app, ctx.cwd);
  const client = await apiClient(ctx);
  const list = await client.request<DomainInfo[]>('GET', domainsPath(app));
  if (opts.json === true) return ctx.out.json(list);
  if (list.length === 0) {
    ctx.out.line(`${app} has no custom domains: add one with paas domain add www.example.com`);
    return;
  }
  ctx.out.section(`${app} domains`);
  for (const line of table(list.map((d) => [d.name, d.url ?? `(any one label in front of ${d.name.slice(2)})`]))) ctx.out.line(line);
}

/** The DNS record to make, and where the app then answers. */
function printDnsHelp(ctx: Context, d: DomainAdded): void {
  ctx.out.detail('Point its DNS at this server, then it answers there:');
  ctx.out.detail(`  ${d.name}  A     <the server's public IPv4 address>   (and AAAA for IPv6)`);
  if (!d.target.endsWith('.localhost')) ctx.out.detail(`  ${d.name}  CNAME ${d.target}   (instead, when that name points at this server)`);
  if (d.url !== null) ctx.out.detail(`URL: ${d.url}`);
  else ctx.out.detail(`URL: http://<any label>.${d.name.slice(2)} (one label: a.${d.name.slice(2)}, not a.b.${d.name.slice(2)} nor ${d.name.slice(2)})`);
}

export function registerDomain(program: Command, ctx: Context): void {
  const domain = program
    .command('domain')
    .description('serve the app on your own domains (add, rm, list)')
    .addHelpText('after', `
Examples:
  $ paas domain add www.example.com
  $ paas domain add '*.example.com'     # any one label: a.example.com, b.example.com
  $ paas domain list --json
  $ paas domain rm www.example.com

A domain routes to the app's first web service, at once; it belongs to one
app only. Point its DNS at the server (an A record to its address). HTTPS:
paas https --redirect, and certificates with paas certs.`);

  withAppOption(domain.command('add'))
    .description('serve the app on HOST too (the router answers for it at once)')
    .argument('<host>', 'www.example.com, or *.example.com for any one label in front of example.com')
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', `
Examples:
  $ paas domain add www.example.com
  $ paas domain add '*.example.com' -a blog

HOST is a plain host name: no scheme, path or port, not an IP address, not
localhost, not under the platform's own domain. Upper case and a trailing
dot are normalised away. Adding a domain the app has already changes
nothing; one another app has is refused (exit 5).`)
    .action(async (host: string, opts: { app?: string; json?: boolean }) => {
      // Bad names stop here, before any request (the API checks again, with the platform's domain).
      const name = checkDomain(host);
      const app = await resolveApp(opts.app, ctx.cwd);
      const client = await apiClient(ctx);
      const added = await client.request<DomainAdded>('POST', domainsPath(app), { name });
      if (opts.json === true) return ctx.out.json(added);
      ctx.out.step(added.created ? `Added ${added.name} to ${app}` : `${app} has ${added.name} already (nothing changed)`);
      printDnsHelp(ctx, added);
    });

  withAppOption(domain.command('rm'))
    .alias('remove')
    .description('stop serving the app on HOST (the router answers 404 for it at once)')
    .argument('<host>', 'as paas domain list shows it (a wildcard as *.example.com)')
    .addHelpText('after', `
Examples:
  $ paas domain rm www.example.com
  $ paas domain rm '*.example.com' -a blog`)
    .action(async (host: string, opts: { app?: string }) => {
      const name = checkDomain(host);
      const app = await resolveApp(opts.app, ctx.cwd);
      const client = await apiClient(ctx);
      await client.request<undefined>('DELETE', `${domainsPath(app)}/${encodeURIComponent(name)}`);
      ctx.out.step(`Removed ${name} from ${app}`);
    });

  withAppOption(domain.command('list'))
    .alias('ls')
    .description("list the app's custom domains")
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', `
Examples:
  $ paas domain list
  $ paas domains -a blog --json | jq -r '.[].name'`)
    .action((opts: { app?: string; json?: boolean }) => listDomains(ctx, opts));

  withAppOption(program.command('domains'))
    .description("list the app's custom domains (paas domain list)")
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', `
Examples:
  $ paas domains
  $ paas domains --json`)
    .action((opts: { app?: string; json?: boolean }) => listDomains(ctx, opts));
}
