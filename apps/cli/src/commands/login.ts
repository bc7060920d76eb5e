import type { Command } from 'commander';
import type { Whoami } from '@paas/core';
import { ApiClient } from '../api-client.js';
import { apiClient, type Context } from '../context.js';
import { loginFile, resolveLogin, saveLogin } from '../login-store.js';

export function registerLogin(program: Command, ctx: Context): void {
  program
    .command('login')
    .description('check a token against an API and save both for later commands')
    .requiredOption('--api <url>', 'the API, e.g. http://127.0.0.1:7700')
    .requiredOption('--token <token>', 'your token (from paas users add, or $PAAS_HOME/admin.token)')
    .addHelpText('after', `
Examples:
  $ paas login --api http://127.0.0.1:7700 --token "$(cat ~/.paas/admin.token)"
  $ paas login --api https://paas.example.com --token p_4f3c…`)
    .action(async (opts: { api: string; token: string }) => {
      const api = opts.api.replace(/\/+$/, '');
      // Only save a login that works: a typo should fail now, not at the next push.
      const me = await new ApiClient({ api, token: opts.token }).request<Whoami>('GET', '/whoami');
      await saveLogin(ctx.config, { api, token: opts.token });
      ctx.out.step(`Logged in to ${api} as ${me.name}${me.admin ? ' (admin)' : ''}`);
      ctx.out.detail(`saved in ${loginFile(ctx.config)}`);
    });

  program
    .command('whoami')
    .description('show who the saved token belongs to')
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', `
Examples:
  $ paas whoami
  $ paas whoami --json`)
    .action(async (opts: { json?: boolean }) => {
      const client = await apiClient(ctx);
      const me = await client.request<Whoami>('GET', '/whoami');
      if (opts.json === true) return ctx.out.json(me);
      const { api } = await resolveLogin(ctx.config);
      ctx.out.line(`${me.name}${me.admin ? ' (admin)' : ''} at ${api}`);
    });
}
