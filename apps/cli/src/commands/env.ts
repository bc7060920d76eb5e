import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { checkEnvKey, checkEnvTotal, parseEnvAssignments, PaasError, type AppEnv, type EnvChangeRequest } from '@paas/core';
import { apiClient, type Context } from '../context.js';
import { formatDotenvValue, parseDotenv } from '../dotenv.js';
import { resolveApp } from '../link.js';
import { Output } from '../output.js';
import { renderRelease } from '../render-release.js';
import { withAppOption } from './app-option.js';

interface ChangeOptions { app?: string; json?: boolean; deploy?: boolean; file?: string }

async function sendChange(ctx: Context, opts: ChangeOptions, change: EnvChangeRequest, what: string): Promise<void> {
  const json = opts.json === true;
  // With --json, stdout holds only the events.
  const out = json ? new Output(ctx.out.stderr, ctx.out.stderr, ctx.config) : ctx.out;
  const name = await resolveApp(opts.app, ctx.cwd);
  const client = await apiClient(ctx);
  out.step(`${what} on ${name}${opts.deploy === false ? ' (not deployed: --no-deploy)' : ''}`);
  const events = client.operation(`/apps/${encodeURIComponent(name)}/env`, { ...change, deploy: opts.deploy !== false }, 'PATCH');
  await renderRelease(events, json ? ctx.out : out, json);
}

export function registerEnv(program: Command, ctx: Context): void {
  const env = program
    .command('env')
    .description("the app's environment variables (list, set, unset); each change is a new release")
    .addHelpText('after', `
Examples:
  $ paas env                          # same as paas env list
  $ paas env set SECRET_KEY='s3cr=t' DEBUG=0
  $ paas env set -f .env.production
  $ paas env unset DEBUG
  $ paas env set --no-deploy API_URL=https://api.example.com   # for the next push

Each change makes a new release with the active release's code and the new
environment, rolled out like a push (new instances healthy first, then the
switch: no failed request). Variables set here override the spec's
environment:. PORT, PORT_*, PAAS_* and DOTCLOUD_PROJECT/_SERVICE_NAME/
_SERVICE_ID are the platform's and cannot be set.`);

  withAppOption(env.command('list', { isDefault: true }))
    .description('print the variables as NAME=value (dotenv: paas env set -f reads it back)')
    .option('--json', 'print {"NAME": "value"}')
    .addHelpText('after', `
Examples:
  $ paas env list
  $ paas env list --json | jq -r .DATABASE_URL
  $ paas env list > backup.env && paas env set -f backup.env -a other-app`)
    .action(async (opts: { app?: string; json?: boolean }) => {
      const name = await resolveApp(opts.app, ctx.cwd);
      const client = await apiClient(ctx);
      const got = await client.request<AppEnv>('GET', `/apps/${encodeURIComponent(name)}/env`);
      if (opts.json === true) {
        ctx.out.json(got.env);
        return;
      }
      const keys = Object.keys(got.env).sort();
      if (keys.length === 0) ctx.out.note(`${name} has no variables of its own (paas env set NAME=value)`);
      for (const k of keys) ctx.out.line(`${k}=${formatDotenvValue(got.env[k] as string)}`);
      if (got.undeployed.length > 0) {
        ctx.out.warn(`not deployed yet: ${got.undeployed.join(', ')} (${got.release === null ? 'the first push' : 'the next push or env change'} deploys them)`);
      }
    });

  withAppOption(env.command('set'))
    .description('set variables and roll out a release with them')
    .argument('[assignments...]', 'NAME=value …; the value is everything after the first =, byte for byte')
    .option('-f, --file <file>', 'read NAME=value lines from a dotenv file (quoted values may span lines)')
    .option('--no-deploy', 'store the change only; the next push (or env change) deploys it')
    .option('--json', 'print the events as NDJSON')
    .addHelpText('after', `
Examples:
  $ paas env set SECRET_KEY='s3cr=t' DEBUG=0
  $ paas env set -f .env
  $ paas env set --no-deploy FEATURE_X=1

Quote values for your shell: the platform never expands them ($(id), \`…\`,
quotes and newlines reach the app unchanged). A value is at most 64 KiB, the
whole environment 1 MiB.`)
    .action(async (args: string[], opts: ChangeOptions) => {
      // Bad names and sizes stop here, before any request.
      let set: Record<string, string> = {};
      if (opts.file !== undefined) {
        const path = resolve(ctx.cwd, opts.file);
        const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
          throw new PaasError('USAGE', `cannot read ${opts.file}: ${err.code ?? err.message}`);
        });
        set = parseDotenv(text, opts.file);
      }
      if (args.length > 0 || opts.file === undefined) set = { ...set, ...parseEnvAssignments(args) };
      checkEnvTotal(set);
      const names = Object.keys(set);
      await sendChange(ctx, opts, { set }, `Setting ${names.join(', ')}`);
    });

  withAppOption(env.command('unset'))
    .description('remove variables and roll out a release without them')
    .argument('<names...>', 'NAME …')
    .option('--no-deploy', 'store the change only; the next push (or env change) deploys it')
    .option('--json', 'print the events as NDJSON')
    .addHelpText('after', `
Examples:
  $ paas env unset DEBUG
  $ paas env unset A B --no-deploy`)
    .action(async (names: string[], opts: ChangeOptions) => {
      for (const k of names) checkEnvKey(k);
      await sendChange(ctx, opts, { unset: names }, `Unsetting ${names.join(', ')}`);
    });
}
