import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { apiClient, type Context } from '../context.js';
import { resolveApp } from '../link.js';
import { formatBytes } from '../output.js';
import { packDirectory } from '../pack.js';
import { UploadProgress } from '../progress.js';
import { renderPush } from '../render-push.js';
import { loadSpec } from '../spec-load.js';
import { printSpecSummary } from './validate.js';
import { withAppOption } from './app-option.js';

export function registerPush(program: Command, ctx: Context): void {
  withAppOption(program.command('push'))
    .description('validate, pack and upload DIR, then build and deploy it')
    .argument('[dir]', 'the directory to deploy', '.')
    .option('--clean', 'build without any cached layer')
    .option('--strict', 'treat warnings about unavailable runtime versions as errors')
    .addHelpText('after', `
Examples:
  $ paas push
  $ paas push ./site -a blog
  $ paas push --clean               # rebuild every layer

Files matched by .gitignore or .paasignore (at the root of DIR) are not
uploaded, nor are .git/ and .paas/.`)
    .action(async (dir: string, opts: { app?: string; clean?: boolean; strict?: boolean }) => {
      const root = resolve(ctx.cwd, dir);
      const app = await resolveApp(opts.app, root);
      // Spec errors stop here, before anything is uploaded.
      const spec = await loadSpec(root, opts.strict === true);
      printSpecSummary(spec, ctx.out);
      const client = await apiClient(ctx);

      // Packed to a temporary file first: the upload needs its length, and the bar its total.
      const tmp = await mkdtemp(join(tmpdir(), 'paas-push-'));
      try {
        const archive = join(tmp, 'app.tar.gz');
        const packed = await packDirectory(root, createWriteStream(archive));
        for (const path of packed.skipped) ctx.out.warn(`${path}: not a file, directory or symlink; not uploaded`);
        const { size } = await stat(archive);
        ctx.out.step(`Uploading ${app}: ${packed.entries.length} entries, ${formatBytes(packed.contentBytes)} (${formatBytes(size)} compressed)`);
        const body = createReadStream(archive).pipe(new UploadProgress(size, ctx.out.stderr));
        const events = client.push(app, body, size, { clean: opts.clean === true });
        await renderPush(events, ctx.out);
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    });
}
