import type { Command } from 'commander';
import type { AppDetail } from '@paas/core';
import { webUrl } from '../app-url.js';
import { launchDetached, planOpener } from '../browser-opener.js';
import { apiClient, type Context } from '../context.js';
import { resolveLogin } from '../login-store.js';
import { resolveApp } from '../link.js';
import { withAppOption } from './app-option.js';

export function registerOpen(program: Command, ctx: Context): void {
  withAppOption(program.command('open'))
    .description("open the app's URL in the browser (prints the URL when there is none); --dashboard: its page in the web dashboard")
    .option('--dashboard', "the app's page in the dashboard the API serves, instead of the app")
    .addHelpText('after', `
Examples:
  $ paas open
  $ paas open -a blog
  $ paas open | cat                 # off a terminal: only prints the URL
  $ paas open --dashboard           # the app's live page: instances, logs, releases, terminal

Uses xdg-open (Linux, with DISPLAY or WAYLAND_DISPLAY set), open (macOS) or
start (Windows), found on PATH.`)
    .action(async (opts: { app?: string; dashboard?: boolean }) => {
      const name = await resolveApp(opts.app, ctx.cwd);
      const client = await apiClient(ctx);
      const detail = await client.request<AppDetail>('GET', `/apps/${encodeURIComponent(name)}`);
      // The dashboard is served by the API itself; signing in there takes the same token.
      const url = opts.dashboard ? new URL(`/apps/${encodeURIComponent(detail.name)}`, (await resolveLogin(ctx.config)).api).toString() : webUrl(detail);
      const plan = planOpener(url, {
        platform: process.platform,
        searchPath: ctx.config.searchPath,
        hasDisplay: ctx.config.hasDisplay,
        isTTY: ctx.out.stdout.isTTY === true,
      });
      let reason = 'reason' in plan ? plan.reason : undefined;
      if ('argv' in plan) {
        try {
          await launchDetached(plan.argv, ctx.config.env);
          ctx.out.step(`Opening ${url}`);
          return;
        } catch (err) {
          reason = `${plan.argv[0]} failed to start: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
        }
      }
      // Off a terminal the URL alone is the answer (scripts); on one, say why no browser came up.
      if (ctx.out.stdout.isTTY !== true) return ctx.out.line(url);
      ctx.out.step(`Open ${url} in your browser`);
      ctx.out.detail(`(no browser opened: ${reason})`);
    });
}
