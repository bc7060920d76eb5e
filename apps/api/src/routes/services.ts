import { BACKUP_FRAME, BACKUP_STREAM_TYPE, MAX_FRAME, PaasError, encodeFrame, type RestoreResult } from '@paas/core';
import type { FastifyInstance } from 'fastify';
import { Writable } from 'node:stream';
import { loadApp, requireUser } from '../auth.js';
import type { Platform } from '../platform.js';

/**
 * Data services of an app: GET list / one (secrets masked unless
 * `?secrets=1`), DELETE one (`paas destroy SERVICE`), GET …/backup (a frame
 * stream, backup-stream.ts), POST …/restore (the backup file as the body).
 */
export function registerServiceRoutes(app: FastifyInstance, p: Platform): void {
  // A restore's body (application/octet-stream) is left unread by the parser
  // registerPushRoutes adds in the same scope: the provisioner spools and checks it.
  app.get('/v1/apps/:app/services', async (request) => {
    const user = requireUser(request);
    const row = await loadApp(p.store, user, (request.params as { app: string }).app);
    const release = await p.store.getActiveRelease(row.name);
    return p.provisioner.list(row.name, release?.spec ?? null, wantsSecrets(request.query));
  });

  app.get('/v1/apps/:app/services/:service', async (request) => {
    const user = requireUser(request);
    const params = request.params as { app: string; service: string };
    const row = await loadApp(p.store, user, params.app);
    const release = await p.store.getActiveRelease(row.name);
    return p.provisioner.get(row.name, params.service, release?.spec ?? null, wantsSecrets(request.query));
  });

  app.delete('/v1/apps/:app/services/:service', async (request, reply) => {
    const user = requireUser(request);
    const params = request.params as { app: string; service: string };
    const row = await loadApp(p.store, user, params.app);
    const unlock = await p.locks.acquire(row.name, 'destroy');
    try {
      const type = (await p.provisioner.get(row.name, params.service, null, false)).type;
      await p.provisioner.destroy(row.name, params.service);
      await p.store.addEvent({ app: row.name, actor: user.name, action: 'destroy-service', detail: { service: params.service, type } });
    } finally {
      await unlock();
    }
    return reply.code(204).send();
  });

  app.get('/v1/apps/:app/services/:service/backup', async (request, reply) => {
    const user = requireUser(request);
    const params = request.params as { app: string; service: string };
    const row = await loadApp(p.store, user, params.app);
    // A missing service is a plain 404, before the stream starts.
    await p.provisioner.get(row.name, params.service, null, false);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': BACKUP_STREAM_TYPE, 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    // Each write becomes data frames; backpressure from the client reaches the dump.
    let sent = 0;
    const frames = new Writable({
      highWaterMark: MAX_FRAME,
      write(chunk: Buffer, _enc, callback) {
        if (res.destroyed) return callback(new Error('the client went away'));
        sent += chunk.length;
        let ok = true;
        for (let at = 0; at < chunk.length; at += MAX_FRAME) ok = res.write(encodeFrame(BACKUP_FRAME.data, chunk.subarray(at, at + MAX_FRAME)));
        if (ok) callback();
        else res.once('drain', () => callback());
      },
    });
    try {
      const { bytes } = await p.provisioner.backup(row.name, params.service, frames, abort.signal);
      await new Promise<void>((resolve) => frames.end(resolve));
      // The end frame counts the file's bytes (header, dump, footer): what the client must have received.
      res.end(encodeFrame(BACKUP_FRAME.end, Buffer.from(JSON.stringify({ bytes: sent }))));
      await p.store.addEvent({ app: row.name, actor: user.name, action: 'backup', detail: { service: params.service, bytes } });
    } catch (err) {
      const error = err instanceof PaasError ? err : new PaasError('BACKUP_FAILED', `the backup of ${params.service} failed: ${(err as Error).message}`);
      if (!err || !(err instanceof PaasError)) request.log.error({ err }, 'backup failed');
      if (!res.destroyed) res.end(encodeFrame(BACKUP_FRAME.error, Buffer.from(JSON.stringify(error.toBody()))));
    }
  });

  app.post('/v1/apps/:app/services/:service/restore', async (request): Promise<RestoreResult> => {
    const user = requireUser(request);
    const params = request.params as { app: string; service: string };
    const row = await loadApp(p.store, user, params.app);
    const unlock = await p.locks.acquire(row.name, 'restore');
    try {
      const { type, bytes } = await p.provisioner.restore(row.name, params.service, request.raw);
      await p.store.addEvent({ app: row.name, actor: user.name, action: 'restore', detail: { service: params.service, bytes } });
      return { service: params.service, type, bytes };
    } finally {
      await unlock();
    }
  });
}

function wantsSecrets(query: unknown): boolean {
  const v = (query as { secrets?: string } | undefined)?.secrets;
  return v === '1' || v === 'true';
}
