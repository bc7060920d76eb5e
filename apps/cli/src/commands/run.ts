import type { Command } from 'commander';
import { parseInstanceRef, runQuery, type RunRequest } from '@paas/core';
import type { Context } from '../context.js';
import { ExitStatus } from '../exit-status.js';
import { resolveApp } from '../link.js';
import { paint } from '../output.js';
import type { RunIo } from '../run-session.js';
import { withAppOption } from './app-option.js';

const TERM_RE = /^[A-Za-z0-9._+-]{1,64}$/;

export function registerRun(program: Command, ctx: Context): void {
  withAppOption(program.command('run'))
    .description("run a command (default: a shell) in an instance of a service, as the app user in ~/current with the instance's environment")
    .argument('<service>', 'a service (www: its first running instance) or one instance (www.2)')
    .argument('[command...]', 'the command and its arguments; put -- before it when it has options')
    .option('-T, --no-tty', 'no terminal, even when stdin and stdout are one')
    .addHelpText('after', `
A terminal is used when stdin and stdout are one; otherwise stdin is streamed
to the command and its output comes back on stdout and stderr. paas exits
with the command's exit status. A service scaled to 0 gets a one-off
container of the active release, removed when the command ends. A data
service without a command opens its client (psql, mysql, redis-cli, mongo)
logged in as the admin.

Examples:
  $ paas run www                          # a shell in www.1
  $ paas run www.2 -- ls -l               # a command in www.2
  $ paas run www -- python manage.py migrate
  $ paas run www -- tar -c uploads > uploads.tar
  $ paas run www -- sh -c 'cat > seed.json' < seed.json
  $ paas run worker -a blog -- sh -c 'echo $PAAS_INSTANCE'
  $ paas run db                           # psql, mysql, redis-cli or mongo as the admin
  $ paas run data mongo                   # a command in the data service data
  $ paas run db -- psql -c 'select 1'`)
    .action(async (ref: string, command: string[], opts: { app?: string; tty: boolean }) => {
      const target = parseInstanceRef(ref);
      const app = await resolveApp(opts.app, ctx.cwd);
      const stdin = ctx.stdin as unknown as RunIo['stdin'];
      // Bytes, with backpressure: the process streams behind the output's sinks.
      const stdout = (ctx.out.stdout.raw ?? ctx.out.stdout) as unknown as RunIo['stdout'] & { isTTY?: boolean };
      const stderr = (ctx.out.stderr.raw ?? ctx.out.stderr) as unknown as RunIo['stderr'];
      const tty = opts.tty && stdin.isTTY === true && stdout.isTTY === true && typeof stdin.setRawMode === 'function';
      const req: RunRequest = { ...target, tty, argv: command };
      if (tty) {
        if (stdout.columns && stdout.rows) {
          req.cols = stdout.columns;
          req.rows = stdout.rows;
        }
        const term = ctx.config.env.TERM;
        if (term !== undefined && TERM_RE.test(term)) req.term = term;
      }
      // Loaded here, not with the program: ws alone costs every other command about 0.1 s of start-up.
      const [{ openSocket }, { runSession }] = await Promise.all([import('../ws-connect.js'), import('../run-session.js')]);
      const ws = await openSocket(ctx, `/apps/${encodeURIComponent(app)}/run?${runQuery(req)}`);
      const code = await runSession(ws, {
        stdin,
        stdout,
        stderr,
        tty,
        onStarted: (m) => {
          // A note for people at a terminal; scripts get only the command's own output.
          if (tty) ctx.out.note(paint(`Running in ${m.instance}${m.oneOff ? ' (a one-off container)' : ''} of ${app}`, 'dim', ctx.out.errColor));
        },
      });
      if (code !== 0) throw new ExitStatus(code);
    });
}
