import type { Command } from 'commander';
import type { ReleaseInfo } from '@paas/core';
import { apiClient, type Context } from '../context.js';
import { resolveApp } from '../link.js';
import { Output, paint, table } from '../output.js';
import { renderRelease } from '../render-release.js';
import { withAppOption } from './app-option.js';

/** `2026-11-29 12:03:04Z` */
function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

async function rollbackTo(ctx: Context, target: string | undefined, opts: { app?: string; json?: boolean }): Promise<void> {
  const json = opts.json === true;
  const out = json ? new Output(ctx.out.stderr, ctx.out.stderr, ctx.config) : ctx.out;
  const name = await resolveApp(opts.app, ctx.cwd);
  const client = await apiClient(ctx);
  out.step(`Rolling back ${name} to ${target ?? 'the previous release'}`);
  const events = client.operation(`/apps/${encodeURIComponent(name)}/rollback`, target === undefined ? {} : { to: target });
  await renderRelease(events, json ? ctx.out : out, json);
}

export function registerReleases(program: Command, ctx: Context): void {
  withAppOption(program.command('releases'))
    .description('list the releases of an app, newest first: version, time, user, what it was, status')
    .option('--json', 'print the releases as JSON')
    .addHelpText('after', `
Examples:
  $ paas releases
  $ paas releases --json | jq -r '.[] | select(.status == "active") | .id'

A release is made by a push (of a build), an env change (names only are
shown, never values) or a rollback; scaling and restarts are not releases.`)
    .action(async (opts: { app?: string; json?: boolean }) => {
      const name = await resolveApp(opts.app, ctx.cwd);
      const client = await apiClient(ctx);
      const releases = await client.request<ReleaseInfo[]>('GET', `/apps/${encodeURIComponent(name)}/releases`);
      if (opts.json === true) {
        ctx.out.json(releases);
        return;
      }
      if (releases.length === 0) {
        ctx.out.note(`${name} has no release yet (paas push)`);
        return;
      }
      const statusCell = (r: ReleaseInfo): string =>
        r.status === 'active' ? paint(r.status, 'green', ctx.out.outColor) : r.status === 'failed' ? paint(r.status, 'red', ctx.out.outColor) : r.status;
      const rows = [['VERSION', 'CREATED', 'USER', 'DESCRIPTION', 'STATUS'], ...releases.map((r) => [r.id, shortTime(r.createdAt), r.user ?? '-', r.description, r.status])];
      // Colour after the layout: escape codes would count as width.
      const lines = table(rows);
      lines.forEach((line, i) => {
        const r = releases[i - 1];
        ctx.out.line(r === undefined ? line : line.slice(0, line.length - r.status.length) + statusCell(r));
      });
    });

  withAppOption(program.command('rollback'))
    .description("reactivate an earlier release's code, env and spec as a new release (health-gated)")
    .argument('[release]', 'vN (default: the release before the active one)')
    .option('--json', 'print the events as NDJSON')
    .addHelpText('after', `
Examples:
  $ paas rollback              # to the release before the active one
  $ paas rollback v2
  $ paas deploy previous       # dotCloud's name for paas rollback

The rollback is a new release (rollback to vN) rolled out like a push: new
instances healthy first, then the switch, no failed request. The app's env
becomes vN's. Images of the newest PAAS_KEEP_RELEASES releases (default 10)
are kept; an older release cannot be rolled back to. Data services added
since vN keep running with their data.`)
    .action((target: string | undefined, opts: { app?: string; json?: boolean }) => rollbackTo(ctx, target, opts));

  withAppOption(program.command('deploy'))
    .description('dotCloud\'s "deploy previous": paas rollback under its old name')
    .argument('<release>', 'previous, or vN')
    .option('--json', 'print the events as NDJSON')
    .addHelpText('after', `
Examples:
  $ paas deploy previous
  $ paas deploy v3`)
    .action((target: string, opts: { app?: string; json?: boolean }) => rollbackTo(ctx, target === 'previous' ? undefined : target, opts));
}
