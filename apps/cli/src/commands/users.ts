import type { Command } from 'commander';
import { checkAppName, type CreatedUser, type UserInfo } from '@paas/core';
import { apiClient, type Context } from '../context.js';
import { table } from '../output.js';

export function registerUsers(program: Command, ctx: Context): void {
  const users = program
    .command('users')
    .description('manage the users of this platform (admin only)')
    .addHelpText('after', `
Examples:
  $ paas users add alice
  $ paas users list`);

  users
    .command('add')
    .description('create a user and print its token (shown only once)')
    .argument('<name>', 'user name: lowercase letters, digits and single dashes')
    .addHelpText('after', `
Examples:
  $ paas users add alice
  # then, on alice's machine:
  $ paas login --api http://paas.example.com:7700 --token <the printed token>`)
    .action(async (name: string) => {
      // User names follow the app-name rule; checking here saves a round trip.
      checkAppName(name);
      const client = await apiClient(ctx);
      const user = await client.request<CreatedUser>('POST', '/users', { name });
      ctx.out.step(`Created user ${user.name}${user.admin ? ' (admin)' : ''}`);
      ctx.out.detail(`token: ${user.token}`);
      ctx.out.detail('This token is shown only once: give it to the user now. They log in with');
      ctx.out.detail(`paas login --api ${client.api} --token ${user.token}`);
    });

  users
    .command('list')
    .description('list the users')
    .option('--json', 'print the API answer as JSON')
    .addHelpText('after', `
Examples:
  $ paas users list
  $ paas users list --json`)
    .action(async (opts: { json?: boolean }) => {
      const client = await apiClient(ctx);
      const list = await client.request<UserInfo[]>('GET', '/users');
      if (opts.json === true) return ctx.out.json(list);
      ctx.out.section('Users');
      for (const line of table(list.map((u) => [u.name, u.admin ? 'admin' : 'user', u.createdAt]))) ctx.out.line(line);
    });
}
