import type { Command } from 'commander';
import type { AppDetail } from '@paas/core';
import { urlLine, webUrl } from '../app-url.js';
import { apiClient, type Context } from '../context.js';
import { resolveApp } from '../link.js';
import { table } from '../output.js';
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

export function registerInfo(program: Command, ctx: Context): void {
  withAppOption(program.command('info'))
    .description('show an app: owner, URL, release, services and instances')
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', `
Examples:
  $ paas info
  $ paas info -a blog --json`)
    .action(async (opts: { app?: string; json?: boolean }) => {
      const name = await resolveApp(opts.app, ctx.cwd);
      const client = await apiClient(ctx);
      const app = await client.request<AppDetail>('GET', `/apps/${encodeURIComponent(name)}`);
      if (opts.json === true) return ctx.out.json(app);
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
      ctx.out.line();
      ctx.out.section('Instances');
      if (app.instances.length === 0) ctx.out.line('(none running)');
      else for (const line of table(instanceRows(app.instances, false))) ctx.out.line(line);
      ctx.out.line();
      ctx.out.section('Releases');
      if (app.releases.length === 0) ctx.out.line('(none yet)');
      for (const line of table(app.releases.slice(0, 5).map((r) => [r.id, r.status, `build ${r.build}`, r.createdAt]))) ctx.out.line(line);
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
