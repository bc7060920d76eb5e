import type { Command } from 'commander';
import type { Context } from '../context.js';
import { table } from '../output.js';
import { serverStatus, startServer, stopServer } from '../server-control.js';

export function registerServer(program: Command, ctx: Context): void {
  const server = program
    .command('server')
    .description('run a local platform (API + router) in the background')
    .addHelpText('after', `
Examples:
  $ paas server start
  $ PAAS_HOME=/srv/paas2 PAAS_API_PORT=7710 PAAS_ROUTER_PORT=8090 paas server start
  $ paas server status --json
  $ paas server stop`);

  server
    .command('start')
    .description('start the API and the router, wait until they answer, and log in as admin')
    .addHelpText('after', `
Examples:
  $ paas server start
  $ PAAS_HOME=/srv/paas2 PAAS_API_PORT=7710 PAAS_ROUTER_PORT=8090 paas server start
  $ PAAS_ROUTER_HOST=0.0.0.0 paas server start     # apps reachable from other machines too

The router listens on 127.0.0.1 unless PAAS_ROUTER_HOST names another address;
a server runs paas under systemd instead (infra/install.sh --server).
Logs go to $PAAS_HOME/logs/{api,router}.log, pids to $PAAS_HOME/run/*.pid.`)
    .action(async () => {
      await startServer(ctx.config, ctx.out);
    });

  server
    .command('stop')
    .description('stop the API and the router (SIGTERM, SIGKILL after 10 s)')
    .addHelpText('after', `
Examples:
  $ paas server stop`)
    .action(async () => {
      await stopServer(ctx.config, ctx.out);
    });

  server
    .command('status')
    .description('show whether the API and the router run, with pid and port')
    .option('--json', 'print the status as JSON')
    .addHelpText('after', `
Examples:
  $ paas server status
  $ paas server status --json | jq .api.up`)
    .action(async (opts: { json?: boolean }) => {
      const status = await serverStatus(ctx.config);
      if (opts.json === true) return ctx.out.json(status);
      ctx.out.section(`paas server (${status.home})`);
      const pid = (p: number | null): string => (p === null ? '-' : `pid ${p}`);
      const rows = [
        ['api', status.api.up ? 'up' : 'down', pid(status.api.pid), status.api.url],
        ['router', status.router.up ? 'up' : 'down', pid(status.router.pid), `${status.router.host}:${status.router.port} (control :${status.router.controlPort})`],
      ];
      for (const line of table(rows)) ctx.out.line(line);
    });
}
