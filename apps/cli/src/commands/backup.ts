import type { Command } from 'commander';
import { BACKUP_STREAM_TYPE, checkServiceName, isErrorCode, PaasError, type DataServiceInfo, type ErrorBody } from '@paas/core';
import { openStream } from '../api-stream.js';
import { BackupStreamReader } from '../backup-frames.js';
import { fileDestination, stdoutDestination, type Destination } from '../backup-file.js';
import { apiClient, type Context } from '../context.js';
import { getDataService, serviceLabel, servicePath } from '../data-services.js';
import { ExitStatus } from '../exit-status.js';
import { resolveApp } from '../link.js';
import { BANG, formatBytes, Output, paint } from '../output.js';
import { ReceiveProgress } from '../progress.js';
import { withAppOption } from './app-option.js';

/** `blog-db-20261129-101500.paasbak`, in local time. */
export function defaultBackupName(app: string, service: string, at: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${at.getFullYear()}${p(at.getMonth() + 1)}${p(at.getDate())}-${p(at.getHours())}${p(at.getMinutes())}${p(at.getSeconds())}`;
  return `${app}-${service}-${stamp}.paasbak`;
}

const CUT = 'the backup stream ended before it was complete';

export function registerBackup(program: Command, ctx: Context): void {
  withAppOption(program.command('backup'))
    .description("download a backup of a data service (a dump of its data) to a file")
    .argument('<service>', 'the data service, e.g. db')
    .option('-o, --output <file>', 'where to write it: a file, a directory, or - for stdout (default: ./APP-SERVICE-YYYYMMDD-HHMMSS.paasbak)')
    .addHelpText('after', `
The backup is written to FILE.partial (readable by you only) and renamed to
FILE once the API says it is complete; a failed or interrupted backup leaves
no file behind and exits non-zero. paas restore SERVICE FILE loads it back.

Examples:
  $ paas backup db                        # ./blog-db-20261129-101500.paasbak
  $ paas backup db -o backups/            # a dated file in backups/
  $ paas backup db -a blog -o db.paasbak
  $ paas backup db -o - | gzip > db.paasbak.gz`)
    .action(async (service: string, opts: { app?: string; output?: string }) => {
      checkServiceName(service);
      const app = await resolveApp(opts.app, ctx.cwd);
      const toStdout = opts.output === '-';
      if (toStdout && ctx.out.stdout.isTTY === true) {
        throw new PaasError('USAGE', 'refusing to write a backup to the terminal', { hint: `redirect it: paas backup ${service} -o - > ${service}.paasbak` });
      }
      // With -o -, stdout holds only the backup: every human line goes to stderr.
      const out = toStdout ? new Output(ctx.out.stderr, ctx.out.stderr, ctx.config) : ctx.out;
      const client = await apiClient(ctx);
      const info = await getDataService(client, app, service);
      const label = serviceLabel(info, app);
      const controller = new AbortController();
      let interrupted = false;
      const onSigint = (): void => {
        interrupted = true;
        controller.abort();
      };
      process.on('SIGINT', onSigint);
      let dest: Destination | undefined;
      const progress = new ReceiveProgress(ctx.out.stderr);
      try {
        dest = toStdout ? stdoutDestination(ctx.out.stdout) : await fileDestination(ctx.cwd, opts.output, defaultBackupName(app, service, new Date()));
        out.step(`Backing up ${label}`);
        const bytes = await receive(ctx, app, info, dest, progress, controller.signal);
        progress.done();
        await dest.commit();
        out.step(`Backed up ${label} to ${dest.shown} (${formatBytes(bytes)})`);
      } catch (err) {
        progress.abort();
        await dest?.discard();
        if (interrupted) {
          const removed = dest?.partial === undefined ? '' : ` (${dest.partial} removed)`;
          ctx.out.note(paint(`${BANG}interrupted: no backup was written${removed}`, 'red', ctx.out.errColor));
          throw new ExitStatus(130);
        }
        throw err;
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}

/** Streams the frames into `dest`; resolves with the byte count once the end frame arrived. */
async function receive(
  ctx: Context,
  app: string,
  info: DataServiceInfo,
  dest: Destination,
  progress: ReceiveProgress,
  signal: AbortSignal,
): Promise<number> {
  const res = await openStream(ctx, 'GET', `${servicePath(app, info.name)}/backup`, { accept: `${BACKUP_STREAM_TYPE}, application/json`, signal });
  try {
    const type = res.headers['content-type'] ?? '';
    if (!type.startsWith(BACKUP_STREAM_TYPE)) {
      throw new PaasError('BACKUP_FAILED', `the API answered with ${type || 'no content type'}, not a backup stream`, { hint: 'is the CLI newer than the API?' });
    }
    const reader = new BackupStreamReader();
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) {
        let pieces;
        try {
          pieces = reader.push(chunk);
        } catch (err) {
          throw new PaasError('BACKUP_FAILED', `the API sent something that is not a backup stream (${err instanceof Error ? err.message : String(err)})`, { cause: err });
        }
        for (const piece of pieces) {
          if (piece.type === 'data') {
            await dest.write(piece.bytes);
            progress.add(piece.bytes.length);
          } else if (piece.type === 'error') {
            throw errorFromFrame(piece.payload);
          } else {
            const announced = endBytes(piece.payload);
            if (announced !== undefined && announced !== progress.bytes) {
              throw new PaasError('BACKUP_FAILED', `the backup stream announced ${announced} bytes but ${progress.bytes} arrived`);
            }
            return progress.bytes;
          }
        }
      }
    } catch (err) {
      if (err instanceof PaasError) throw err;
      // The connection went away mid-stream (or Ctrl-C destroyed it).
      throw new PaasError('BACKUP_FAILED', CUT, { cause: err });
    }
    throw new PaasError('BACKUP_FAILED', CUT);
  } finally {
    res.destroy();
  }
}

/** The ErrorBody of an error frame as the PaasError it describes. */
function errorFromFrame(payload: Buffer): PaasError {
  const text = payload.toString('utf8');
  try {
    const body = JSON.parse(text) as Partial<ErrorBody>;
    if (body !== null && typeof body === 'object' && isErrorCode(body.code) && typeof body.message === 'string') return PaasError.fromBody(body as ErrorBody);
  } catch {
    // not an ErrorBody: reported below as it came
  }
  return new PaasError('BACKUP_FAILED', `the backup failed: ${text.trim().slice(0, 200) || 'no reason given'}`);
}

function endBytes(payload: Buffer): number | undefined {
  try {
    const body = JSON.parse(payload.toString('utf8')) as { bytes?: unknown };
    return typeof body.bytes === 'number' ? body.bytes : undefined;
  } catch {
    return undefined;
  }
}
