import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { API_PREFIX, PaasError } from '@paas/core';
import { errorFromResponse, readText, unreachable } from './api-client.js';
import type { Context } from './context.js';
import { resolveLogin } from './login-store.js';

export interface StreamRequest {
  /** Sent with backpressure; its length must be in `headers['content-length']`. */
  body?: Readable;
  headers?: Record<string, string | number>;
  accept?: string;
  /** Aborting it (Ctrl-C) destroys the request and its response. */
  signal?: AbortSignal;
}

/**
 * One request whose body or answer is too large to hold in memory (a
 * backup, a restore): resolves with the 2xx response still unread, rejects
 * with the API's PaasError otherwise. No overall timeout: a dump of a large
 * database takes as long as it takes.
 */
export async function openStream(ctx: Context, method: string, path: string, opts: StreamRequest = {}): Promise<http.IncomingMessage> {
  const { api, token } = await resolveLogin(ctx.config);
  if (token === undefined) {
    throw new PaasError('AUTH_REQUIRED', 'you are not logged in', {
      hint: 'run paas login --api URL --token TOKEN, or start a local platform with paas server start',
    });
  }
  const base = api.replace(/\/+$/, '');
  const url = new URL(base + API_PREFIX + path);
  const mod = url.protocol === 'https:' ? https : http;
  const headers: Record<string, string | number> = { accept: opts.accept ?? 'application/json', ...opts.headers, authorization: `Bearer ${token}` };
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = mod.request(url, { method, headers, ...(opts.signal === undefined ? {} : { signal: opts.signal }) }, (res) => {
      answered = true;
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) return resolve(res);
      readText(res).then(
        (text) => reject(errorFromResponse(status, text, `${method} ${url.pathname}`)),
        (err: unknown) => reject(connectionLost(err)),
      );
    });
    let bodyFailed: unknown;
    req.on('error', (err) => {
      // The API may answer early (BACKUP_INVALID) and close while we still upload: its answer wins.
      if (answered) return;
      if (bodyFailed !== undefined) reject(bodyFailed instanceof PaasError ? bodyFailed : new PaasError('INTERNAL', `reading the upload failed: ${String(bodyFailed)}`, { cause: bodyFailed }));
      else reject(unreachable(base, err));
    });
    if (opts.body === undefined) req.end();
    else {
      opts.body.on('error', (err) => {
        bodyFailed = err;
        req.destroy(err);
      });
      opts.body.pipe(req);
    }
  });
}

/** A JSON answer read to its end. */
export async function readJsonAnswer<T>(res: http.IncomingMessage, what: string): Promise<T> {
  let text: string;
  try {
    text = await readText(res);
  } catch (err) {
    throw connectionLost(err);
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new PaasError('INTERNAL', `the API answered ${what} with something that is not JSON`, { cause: err });
  }
}

export function connectionLost(err: unknown): PaasError {
  return new PaasError('API_UNREACHABLE', 'the connection to the API was lost', { cause: err });
}
