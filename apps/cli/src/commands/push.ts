import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { apiClient, type Context } from '../context.js';
import { formatBytes, Output } from '../output.js';
import { packDirectory } from '../pack.js';
import { printPushEvents } from '../print-push-events.js';
import { UploadProgress } from '../progress.js';
import { choosePushRoot } from '../push-root.js';
import { renderPush } from '../render-push.js';
import { loadSpec } from '../spec-load.js';
import { checkApprootsPacked } from '../approot-check.js';
import { printSpecSummary } from './validate.js';
import { withAppOption } from './app-option.js';

interface PushOptions {
  app?: string;
  clean?: boolean;
  strict?: boolean;
  json?: boolean;
  verbose?: boolean;
}

export function registerPush(program: Command, ctx: Context): void {
  withAppOption(program.command('push'))
    .description('validate, pack and upload DIR, then build and deploy it')
    .argument('[dir]', 'the directory to deploy (default: the linked directory, even from a folder below it)')
    .option('--clean', 'build without any cached layer')
    .option('--strict', 'treat warnings about unavailable runtime versions as errors')
    .option('--json', 'print the push events as NDJSON on stdout (for CI); other output goes to stderr')
    .addHelpText('after', `
Examples:
  $ paas push
  $ paas push ./site -a blog
  $ paas push --clean               # rebuild every layer
  $ paas push --verbose             # every line of the build (apt, npm, pip), as it happens
  $ paas push --json | jq -c 'select(.type == "done")'

Files matched by .gitignore or .paasignore (at the root of DIR) are not
uploaded, nor are .git/ and .paas/.

The build prints one line per stage (system packages, dependencies, code,
hooks) with its duration; --verbose prints all of the build's output, and
paas logs --build prints it afterwards.`)
    .action(async (dir: string | undefined, _opts: PushOptions, command: Command) => {
      // --verbose is the program's option (stack traces too); here it also prints the whole build.
      const opts = command.optsWithGlobals<PushOptions>();
      const json = opts.json === true;
      // With --json, stdout holds only the events: every human line goes to stderr.
      const out = json ? new Output(ctx.out.stderr, ctx.out.stderr, ctx.config) : ctx.out;
      const { root, app, subfolder } = await choosePushRoot(ctx.cwd, dir, opts.app);
      if (subfolder !== undefined) out.step(`Pushing ${root} (linked to ${app}), not the subfolder ${subfolder}`);
      // Spec errors stop here, before anything is uploaded.
      const spec = await loadSpec(root, opts.strict === true);
      printSpecSummary(spec, out);
      const client = await apiClient(ctx);

      // Packed to a temporary file first: the upload needs its length, and the bar its total.
      const tmp = await mkdtemp(join(tmpdir(), 'paas-push-'));
      try {
        const archive = join(tmp, 'app.tar.gz');
        const packed = await packDirectory(root, createWriteStream(archive));
        checkApprootsPacked(spec.spec, packed.entries);
        for (const path of packed.skipped) out.warn(`${path}: not a file, directory or symlink; not uploaded`);
        const { size } = await stat(archive);
        out.step(`Uploading ${app}: ${packed.entries.length} entries, ${formatBytes(packed.contentBytes)} (${formatBytes(size)} compressed)`);
        const file = createReadStream(archive);
        const body = json ? file : file.pipe(new UploadProgress(size, out.stderr));
        const events = client.push(app, body, size, { clean: opts.clean === true, strict: opts.strict === true });
        if (json) await printPushEvents(events, ctx.out);
        else await renderPush(events, out, { verbose: opts.verbose === true });
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    });
}
