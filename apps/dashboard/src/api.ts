import type { ErrorBody, PushEvent } from '@paas/core';
import { LineSplitter, parseLines } from './ndjson.js';

/** An answer other than 2xx, with the API's error body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(body.message);
  }
}

/*
 * The csrf token lives in memory only: a page reload asks GET /v1/session
 * for it again, so nothing readable by other scripts outlives the tab.
 */
let csrf = '';
let onUnauthorized: () => void = () => undefined;

export function setCsrf(token: string): void {
  csrf = token;
}

export function getCsrf(): string {
  return csrf;
}

/** Called on any 401: the session is gone, so the app shows the sign-in form. */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

function toErrorBody(status: number, text: string): ErrorBody {
  try {
    const body = JSON.parse(text) as Partial<ErrorBody>;
    if (typeof body.code === 'string' && typeof body.message === 'string') return body as ErrorBody;
  } catch {
    // not JSON: described below
  }
  return { code: 'INTERNAL', message: `the API answered ${status}${text ? `: ${text.slice(0, 200)}` : ''}` } as ErrorBody;
}

export function toError(err: unknown): ErrorBody {
  if (err instanceof ApiError) return err.body;
  if (err instanceof DOMException && err.name === 'AbortError') return { code: 'INTERNAL', message: 'cancelled' } as ErrorBody;
  return { code: 'API_UNREACHABLE', message: `the API could not be reached (${err instanceof Error ? err.message : String(err)})` } as ErrorBody;
}

interface RequestOptions {
  body?: unknown;
  signal?: AbortSignal;
  /** The sign-in request itself: a 401 there is a wrong token, shown on the form. */
  signIn?: boolean;
}

async function send(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrf !== '') headers['x-paas-csrf'] = csrf;
  const init: RequestInit = { method, headers, credentials: 'same-origin' };
  if (opts.body !== undefined) init.body = JSON.stringify(opts.body);
  if (opts.signal) init.signal = opts.signal;
  const res = await fetch(path, init);
  if (res.ok) return res;
  const body = toErrorBody(res.status, await res.text().catch(() => ''));
  if (res.status === 401 && !opts.signIn) onUnauthorized();
  throw new ApiError(res.status, body);
}

/** A JSON request; resolves with the parsed answer (undefined for 204). */
export async function api<T>(method: string, path: string, opts?: RequestOptions): Promise<T> {
  const res = await send(method, path, opts);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/**
 * A request answered with NDJSON PushEvent lines (scale, rollback, env,
 * restart): each event is handed over as it arrives.
 */
export async function apiStream(method: string, path: string, body: unknown, onEvent: (e: PushEvent) => void, signal?: AbortSignal): Promise<void> {
  const res = await send(method, path, { body, ...(signal ? { signal } : {}) });
  const reader = res.body?.getReader();
  if (!reader) return;
  const lines = new LineSplitter();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    for (const e of parseLines<PushEvent>(lines.push(value))) onEvent(e);
  }
  for (const e of parseLines<PushEvent>(lines.end())) onEvent(e);
}

/** ws:// or wss:// for a path of this origin. */
export function socketUrl(path: string): string {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}${path}`;
}

export function appApi(app: string): string {
  return `/v1/apps/${encodeURIComponent(app)}`;
}
