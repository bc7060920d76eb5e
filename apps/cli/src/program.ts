import { Command, CommanderError } from 'commander';
import { registerApps } from './commands/apps.js';
import { registerBackup } from './commands/backup.js';
import { registerCerts } from './commands/certs.js';
import { registerCreate } from './commands/create.js';
import { registerDestroy } from './commands/destroy.js';
import { registerEnv } from './commands/env.js';
import { registerDomain } from './commands/domain.js';
import { registerHttps } from './commands/https.js';
import { registerInfo } from './commands/info.js';
import { registerLink } from './commands/link.js';
import { registerLogin } from './commands/login.js';
import { registerLogs } from './commands/logs.js';
import { registerNodes } from './commands/nodes.js';
import { registerOpen } from './commands/open.js';
import { registerPs } from './commands/ps.js';
import { registerPush } from './commands/push.js';
import { registerReleases } from './commands/releases.js';
import { registerRestart } from './commands/restart.js';
import { registerRestore } from './commands/restore.js';
import { registerRun } from './commands/run.js';
import { registerScale } from './commands/scale.js';
import { registerServer } from './commands/server.js';
import { registerUsers } from './commands/users.js';
import { registerValidate } from './commands/validate.js';
import { readColorSettings, readConfig } from './config.js';
import { ExitStatus } from './exit-status.js';
import type { Context } from './context.js';
import { Output, shouldColor, type Sink } from './output.js';
import { exitCodeFor, formatError, isQuietExit } from './render-error.js';

export const VERSION = '0.1.0';

export interface Io {
  stdout: Sink;
  stderr: Sink;
  stdin: Context['stdin'];
  /** Defaults to the process environment (read only by config.ts). */
  env?: NodeJS.ProcessEnv;
  cwd: string;
}

export function buildProgram(ctx: Context): Command {
  const program = new Command('paas')
    .description('deploy apps described by a paas.yml to your own platform')
    .version(VERSION)
    .option('--verbose', 'print stack traces with errors')
    // Errors are printed once, by main(); commander only throws.
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.out.stdout.write(s),
      writeErr: (s) => ctx.out.stderr.write(s),
      outputError: () => undefined,
    })
    .showSuggestionAfterError(true)
    .addHelpText('after', `
Examples:
  $ paas server start               # a local platform, logged in as admin
  $ paas create blog && paas push   # deploy this directory
  $ paas info
  $ paas COMMAND --help`);

  registerValidate(program, ctx);
  registerServer(program, ctx);
  registerLogin(program, ctx);
  registerUsers(program, ctx);
  registerCreate(program, ctx);
  registerLink(program, ctx);
  registerPush(program, ctx);
  registerApps(program, ctx);
  registerInfo(program, ctx);
  registerPs(program, ctx);
  registerScale(program, ctx);
  registerRestart(program, ctx);
  registerEnv(program, ctx);
  registerReleases(program, ctx);
  registerOpen(program, ctx);
  registerLogs(program, ctx);
  registerDestroy(program, ctx);
  registerRun(program, ctx);
  registerBackup(program, ctx);
  registerRestore(program, ctx);
  registerCerts(program, ctx);
  registerDomain(program, ctx);
  registerHttps(program, ctx);
  registerNodes(program, ctx);
  return program;
}

/** Runs the CLI and returns its exit code. The one place errors are printed (style.md 7). */
export async function main(argv: string[], io: Io): Promise<number> {
  // Known before parsing, so that even a config error shows its stack.
  const verbose = argv.includes('--verbose');
  let errColor = shouldColor(io.stderr, readColorSettings(io.env));
  try {
    const config = readConfig(io.env);
    const out = new Output(io.stdout, io.stderr, config);
    errColor = out.errColor;
    await buildProgram({ config, out, stdin: io.stdin, cwd: io.cwd }).parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof ExitStatus) return err.code;
    if (isQuietExit(err)) return err instanceof CommanderError && err.code === 'commander.help' ? 2 : 0;
    io.stderr.write(formatError(err, { color: errColor, verbose }));
    return exitCodeFor(err);
  }
}
