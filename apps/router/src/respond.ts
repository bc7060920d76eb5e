import type { ServerResponse } from 'node:http';
import { errorBody, routerErrors, type RouterErrorCode } from './errors.js';

/** Sends a router error as JSON `{code, message}`. */
export function sendError(res: ServerResponse, code: RouterErrorCode, detail?: string, close = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorBody(code, detail);
  res.writeHead(routerErrors[code].status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(body);
}

/** The same, written raw on a socket that is not (or no longer) an http response: client errors, upgrades. */
export function rawError(code: RouterErrorCode, detail?: string): string {
  const body = errorBody(code, detail);
  const status = routerErrors[code].status;
  return (
    `HTTP/1.1 ${status} ${reasons[status] ?? 'Error'}\r\n` +
    'content-type: application/json; charset=utf-8\r\n' +
    `content-length: ${Buffer.byteLength(body)}\r\n` +
    'cache-control: no-store\r\nconnection: close\r\n\r\n' +
    body
  );
}

const reasons: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  431: 'Request Header Fields Too Large',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};
