import { constants, createReadStream } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { checkServiceName, PaasError, type RestoreResult } from '@paas/core';
import { openStream, readJsonAnswer } from '../api-stream.js';
import { apiClient, type Context } from '../context.js';
import { confirmByName, getDataService, serviceLabel, servicePath } from '../data-services.js';
import { resolveApp } from '../link.js';
import { formatBytes, INDENT } from '../output.js';
import { UploadProgress } from '../progress.js';
import { withAppOption } from './app-option.js';

/** FILE must be a readable regular file: checked before anything is asked or sent. */
async function checkBackupFile(cwd: string, file: string): Promise<number> {
  const path = resolve(cwd, file);
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PaasError('USAGE', code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read it (${code ?? String(err)})`, {
      hint: 'pass a file written by paas backup SERVICE',
    });
  }
  if (!info.isFile()) throw new PaasError('USAGE', `${file} is not a regular file`, { hint: 'pass a file written by paas backup SERVICE' });
  try {
    await access(path, constants.R_OK);
  } catch {
    throw new PaasError('USAGE', `${file}: permission denied`, { hint: 'pass a file you can read' });
  }
  return info.size;
}

export function registerRestore(program: Command, ctx: Context): void {
  withAppOption(program.command('restore'))
    .description("replace a data service's data with a backup made by paas backup (asks first)")
    .argument('<service>', 'the data service, e.g. db')
    .argument('<file>', 'a backup file written by paas backup')
    .option('--yes', 'do not ask (for scripts)')
    .addHelpText('after', `
Everything the service holds now is replaced by the backup. On a terminal
you are asked to type the service name; without one it refuses unless --yes
is given. The file must be a backup of the same service type.

Examples:
  $ paas restore db blog-db-20261129-101500.paasbak
  $ paas restore db backups/db.paasbak -a blog --yes    # in scripts`)
    .action(async (service: string, file: string, opts: { app?: string; yes?: boolean }) => {
      checkServiceName(service);
      const size = await checkBackupFile(ctx.cwd, file);
      const app = await resolveApp(opts.app, ctx.cwd);
      const client = await apiClient(ctx);
      const info = await getDataService(client, app, service);
      const label = serviceLabel(info, app);
      await confirmByName(ctx, {
        yes: opts.yes === true,
        expected: info.name,
        noun: 'service',
        action: `restore ${label}`,
        yesCommand: `paas restore ${service} ${file}${opts.app === undefined ? '' : ` -a ${app}`} --yes`,
        unchanged: 'nothing was restored',
        warning: [
          `This replaces all the data of ${label} with ${file} (${formatBytes(size)}).`,
          `Its current data is lost; make a backup first if you may need it: paas backup ${service}`,
        ],
      });

      ctx.out.step(`Restoring ${label} from ${file} (${formatBytes(size)})`);
      const progress = new UploadProgress(size, ctx.out.stderr);
      // The upload ends before the service has loaded it: say what the wait is for.
      progress.on('end', () => ctx.out.note(`${INDENT}Loading the backup into ${info.name}…`));
      const source = createReadStream(resolve(ctx.cwd, file));
      let result: RestoreResult;
      try {
        const res = await openStream(ctx, 'POST', `${servicePath(app, service)}/restore`, {
          body: source.pipe(progress),
          headers: { 'content-type': 'application/octet-stream', 'content-length': size },
        });
        result = await readJsonAnswer<RestoreResult>(res, `POST ${servicePath(app, service)}/restore`);
      } finally {
        // An early refusal (BACKUP_INVALID) leaves the rest of the file unread.
        source.destroy();
      }
      ctx.out.step(`Restored ${serviceLabel({ name: info.name, type: result.type ?? info.type }, app)} from ${file} (${formatBytes(result.bytes ?? size)})`);
    });
}
