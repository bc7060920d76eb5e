import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { API_PREFIX, isErrorCode, PaasError, type ErrorBody, type PushEvent } from '@paas/core';
import { readNdjson } from './ndjson.js';

export interface ApiClientOptions {
  /** Base URL, e.g. http://127.0.0.1:7700 */
  api: string;
  token: string | undefined;
  /** Milliseconds before a request that has not answered counts as unreachable. */
  timeoutMs?: number;
}

interface SendOptions {
  body?: Readable | string;
  headers?: Record<string, string | number>;
  /** Streams (the push) have no overall timeout: a build takes as long as it takes. */
  timeoutMs?: number | undefined;
  /** Health checks do not need a token. */
  anonymous?: boolean;
}

export class ApiClient {
  readonly api: string;
  private readonly token: string | undefined;
  private readonly timeoutMs: number;

  constructor(opts: ApiClientOptions) {
    this.api = opts.api.replace(/\/+$/, '');
    this.token = opts.token;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  /** A JSON request; resolves to the parsed body (undefined for 204), rejects with the API's PaasError. */
  async request<T>(method: string, path: string, body?: unknown, opts: { anonymous?: boolean } = {}): Promise<T> {
    const sendOpts: SendOptions = { timeoutMs: this.timeoutMs, anonymous: opts.anonymous ?? false };
    if (body !== undefined) {
      sendOpts.body = JSON.stringify(body);
      sendOpts.headers = { 'content-type': 'application/json' };
    }
    const res = await this.send(method, path, sendOpts);
    const text = await readText(res);
    if (res.statusCode === 204 || text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new PaasError('INTERNAL', `the API answered ${method} ${path} with something that is not JSON`, { cause: err });
    }
  }

  /**
   * POST the tarball and yield the NDJSON events as they arrive. After
   * `done` the server still retires the old instances, holding the app's
   * deploy lock, so the stream is read to its end: a script's next push then
   * never meets DEPLOY_LOCKED. A stream that stops before `done` or `error`
   * means the API went away mid-push (exit 9), never success; one that stops
   * after `done` is still a live release.
   */
  async *push(app: string, body: Readable, size: number, opts: { clean?: boolean; strict?: boolean } = {}): AsyncGenerator<PushEvent> {
    const params = [...(opts.clean === true ? ['clean=1'] : []), ...(opts.strict === true ? ['strict=1'] : [])];
    const query = params.length > 0 ? `?${params.join('&')}` : '';
    const res = await this.send('POST', `/apps/${encodeURIComponent(app)}/pushes${query}`, {
      body,
      headers: { 'content-type': 'application/gzip', 'content-length': size },
      timeoutMs: undefined,
    });
    let live = false;
    try {
      for await (const value of readNdjson(res)) {
        const event = value as PushEvent;
        yield event;
        if (event.type === 'error') return;
        if (event.type === 'done') live = true;
      }
    } catch (err) {
      if (live) return;
      if (err instanceof SyntaxError) throw new PaasError('INTERNAL', 'the API sent a push event that is not JSON', { cause: err });
      throw lostConnection(err);
    } finally {
      res.destroy();
    }
    if (!live) throw lostConnection(undefined);
  }

  /**
   * A scale, restart, env change or rollback: send a JSON body and yield the
   * NDJSON events until the last one (`converged`, `done`, `env.stored` or
   * `error`). A stream that stops before it means the API went away
   * (exit 9), never success.
   */
  async *operation(path: string, body: unknown, method: 'POST' | 'PATCH' = 'POST'): AsyncGenerator<PushEvent> {
    const text = JSON.stringify(body);
    const res = await this.send(method, path, { body: text, headers: { 'content-type': 'application/json' }, timeoutMs: undefined });
    let finished = false;
    try {
      for await (const value of readNdjson(res)) {
        const event = value as PushEvent;
        yield event;
        if (event.type === 'error' || event.type === 'converged' || event.type === 'done' || event.type === 'env.stored' || event.type === 'node.drained') {
          finished = true;
          return;
        }
      }
    } catch (err) {
      if (err instanceof SyntaxError) throw new PaasError('INTERNAL', 'the API sent an event that is not JSON', { cause: err });
      throw lostConnection(err);
    } finally {
      res.destroy();
    }
    if (!finished) throw lostConnection(undefined);
  }

  /** Sends one request; resolves with a 2xx response, rejects with a PaasError otherwise. */
  private send(method: string, path: string, opts: SendOptions): Promise<http.IncomingMessage> {
    const url = new URL(this.api + API_PREFIX + path);
    const mod = url.protocol === 'https:' ? https : http;
    const headers: Record<string, string | number> = { accept: 'application/json, application/x-ndjson', ...opts.headers };
    if (this.token !== undefined && opts.anonymous !== true) headers.authorization = `Bearer ${this.token}`;
    if (typeof opts.body === 'string') headers['content-length'] = Buffer.byteLength(opts.body);

    return new Promise((resolve, reject) => {
      let answered = false;
      const req = mod.request(url, { method, headers }, (res) => {
        answered = true;
        req.setTimeout(0);
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          resolve(res);
          return;
        }
        readText(res).then(
          (text) => reject(errorFromResponse(status, text, `${method} ${url.pathname}`)),
          (err: unknown) => reject(lostConnection(err)),
        );
      });
      if (opts.timeoutMs !== undefined) {
        req.setTimeout(opts.timeoutMs, () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
      }
      req.on('error', (err) => {
        // The API may answer early (401, 409) and close while we are still uploading: its answer wins.
        if (!answered) reject(unreachable(this.api, err));
      });
      if (opts.body === undefined) req.end();
      else if (typeof opts.body === 'string') req.end(opts.body);
      else {
        opts.body.on('error', (err) => req.destroy(err));
        opts.body.pipe(req);
      }
    });
  }
}

/** The whole (small) body of a response as text. */
export function readText(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
    res.on('aborted', () => reject(new Error('response aborted')));
  });
}

/** Turns a non-2xx answer into the PaasError the API meant, or the closest catalogue code. */
export function errorFromResponse(status: number, text: string, what: string): PaasError {
  try {
    const body = JSON.parse(text) as Partial<ErrorBody>;
    if (body !== null && typeof body === 'object' && isErrorCode(body.code) && typeof body.message === 'string') {
      return PaasError.fromBody(body as ErrorBody);
    }
  } catch {
    // not our error shape: fall through to the status
  }
  const snippet = text.trim().slice(0, 200);
  const detail = snippet === '' ? '' : `: ${snippet}`;
  if (status === 401) return new PaasError('AUTH_REQUIRED', `the API refused the token${detail}`, { hint: 'run paas login again' });
  if (status === 404) return new PaasError('NOT_FOUND', `${what} is not a route of this API${detail}`, { hint: 'is the CLI newer than the API? check PAAS_API_URL' });
  if (status === 502 || status === 503 || status === 504) {
    return new PaasError('API_UNREACHABLE', `the API is unavailable (HTTP ${status})${detail}`);
  }
  return new PaasError('INTERNAL', `${what} failed with HTTP ${status}${detail}`);
}

export function unreachable(api: string, err: unknown): PaasError {
  const reason = err instanceof Error ? ((err as NodeJS.ErrnoException).code ?? err.message) : String(err);
  return new PaasError('API_UNREACHABLE', `cannot reach the paas API at ${api} (${reason})`, {
    hint: 'start a local platform with paas server start, or check paas login / PAAS_API_URL',
    cause: err,
  });
}

function lostConnection(err: unknown): PaasError {
  return new PaasError('API_UNREACHABLE', 'the connection to the API was lost', {
    hint: 'the push may still finish or fail on the server: check paas info once the API is back',
    cause: err,
  });
}
