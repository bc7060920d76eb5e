import type http from 'node:http';
import { BACKUP_FRAME, BACKUP_STREAM_TYPE, encodeFrame, type DataServiceInfo, type ErrorBody } from '@paas/core';
import { appDetail } from './fake-api.js';
import { readBody, sendJson, serve } from './http-server.js';

export interface DataSeen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  /** Bytes of a restore upload. */
  body?: Buffer;
}

/** db (postgresql) of blog, as GET /v1/apps/blog/services/db answers it. */
export function dbService(secrets: boolean): DataServiceInfo {
  const password = secrets ? 's3cr3t-pw' : '********';
  return {
    name: 'db',
    type: 'postgresql',
    status: 'running',
    inSpec: true,
    host: 'db',
    port: 5432,
    login: 'paas',
    password,
    database: 'blog',
    url: `postgresql://paas:${password}@db:5432/blog`,
    createdAt: '2026-11-29T10:00:00.000Z',
    env: { DATABASE_URL: `postgresql://paas:${password}@db:5432/blog`, DB_HOST: 'db', DB_PASSWORD: password },
  };
}

export type BackupHandler = (res: http.ServerResponse, req: http.IncomingMessage) => unknown;

/**
 * A stand-in for the data-service routes of the API: the app blog (token
 * "good") with the data service db; every other service is SERVICE_NOT_FOUND,
 * every other app APP_NOT_FOUND. Backups are answered by `backup`.
 */
export async function fakeDataApi(opts: { backup?: BackupHandler; restore?: (body: Buffer, res: http.ServerResponse) => unknown; apps?: string[] } = {}): Promise<{ url: string; seen: DataSeen[] }> {
  const seen: DataSeen[] = [];
  const apps = opts.apps ?? ['blog'];
  const { url } = await serve(async (req, res) => {
    const entry: DataSeen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers };
    seen.push(entry);
    if (req.headers.authorization !== 'Bearer good') return sendJson(res, 401, { code: 'AUTH_REQUIRED', message: 'bad token' });
    const u = new URL(req.url ?? '/', 'http://x');
    const secrets = u.searchParams.get('secrets') === '1';
    const m = /^\/v1\/apps\/([^/]+)(?:\/services(?:\/([^/]+)(?:\/(backup|restore))?)?)?$/.exec(u.pathname);
    if (m === null) return sendJson(res, 404, { code: 'NOT_FOUND', message: `no route ${req.method} ${u.pathname}` });
    const [, app, service, action] = m;
    if (!apps.includes(app ?? '')) {
      await readBody(req);
      return sendJson(res, 404, { code: 'APP_NOT_FOUND', message: `no app named ${app}` });
    }
    if (action === 'restore' && req.method === 'POST' && service === 'db') {
      entry.body = await readBody(req);
      if (opts.restore !== undefined) return opts.restore(entry.body, res);
      return sendJson(res, 200, { service: 'db', type: 'postgresql', bytes: entry.body.length });
    }
    await readBody(req);
    if (service === undefined && u.pathname.endsWith('/services')) return sendJson(res, 200, app === 'blog' ? [dbService(secrets)] : []);
    if (service === undefined) {
      if (req.method === 'DELETE') return void res.writeHead(204).end();
      return sendJson(res, 200, appDetail(app ?? '', null));
    }
    if (service !== 'db' || app !== 'blog') {
      return sendJson(res, 404, { code: 'SERVICE_NOT_FOUND', message: `${app} has no data service named ${service}`, hint: 'paas info lists the data services' });
    }
    if (action === 'backup' && req.method === 'GET') {
      if (opts.backup === undefined) return sendJson(res, 500, { code: 'INTERNAL', message: 'no backup here' });
      return opts.backup(res, req);
    }
    if (action === undefined && req.method === 'GET') return sendJson(res, 200, dbService(secrets));
    if (action === undefined && req.method === 'DELETE') return void res.writeHead(204).end();
    return sendJson(res, 404, { code: 'NOT_FOUND', message: `no route ${req.method} ${u.pathname}` });
  });
  return { url, seen };
}

export function startBackup(res: http.ServerResponse): void {
  res.writeHead(200, { 'content-type': BACKUP_STREAM_TYPE });
}

export const dataFrame = (bytes: Uint8Array): Uint8Array => encodeFrame(BACKUP_FRAME.data, bytes);
export const endFrame = (bytes: number): Uint8Array => encodeFrame(BACKUP_FRAME.end, Buffer.from(JSON.stringify({ bytes })));
export const errorFrame = (body: ErrorBody): Uint8Array => encodeFrame(BACKUP_FRAME.error, Buffer.from(JSON.stringify(body)));

/** Writes and waits for the socket to take it (the client's backpressure reaches the server). */
export function send(res: http.ServerResponse, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    if (res.write(bytes)) return resolve();
    const onClose = (): void => reject(new Error('closed'));
    res.once('close', onClose);
    res.once('drain', () => {
      res.off('close', onClose);
      resolve();
    });
  });
}
