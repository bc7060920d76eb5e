import { API_PREFIX, PaasError } from '@paas/core';
import WebSocket from 'ws';
import { errorFromResponse } from './api-client.js';
import type { Context } from './context.js';
import { resolveLogin } from './login-store.js';

/**
 * Opens a WebSocket to an API route (`/apps/blog/logs?…`) with the saved
 * token. A refused handshake (401, 404 …) rejects with the API's PaasError,
 * as a plain request would; no API at all rejects with API_UNREACHABLE.
 * The socket comes paused: frames the server sent right after the handshake
 * wait until the caller has its listeners on and calls resume().
 */
export async function openWebSocket(ctx: Context, path: string): Promise<WebSocket> {
  const { api, token } = await resolveLogin(ctx.config);
  if (token === undefined) {
    throw new PaasError('AUTH_REQUIRED', 'you are not logged in', {
      hint: 'run paas login --api URL --token TOKEN, or start a local platform with paas server start',
    });
  }
  const url = new URL(api.replace(/\/+$/, '') + API_PREFIX + path);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const socket = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false, handshakeTimeout: 30_000 });
  return new Promise((resolve, reject) => {
    const failed = (err: Error): void => {
      const reason = (err as NodeJS.ErrnoException).code ?? err.message;
      reject(new PaasError('API_UNREACHABLE', `cannot reach the paas API at ${api} (${reason})`, {
        hint: 'start a local platform with paas server start, or check paas login / PAAS_API_URL',
        cause: err,
      }));
    };
    // Also after an answer was read: ws reports the aborted handshake once more.
    socket.on('error', failed);
    socket.once('open', () => {
      socket.pause();
      socket.off('error', failed);
      resolve(socket);
    });
    socket.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        reject(errorFromResponse(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), `GET ${url.pathname}`));
        socket.terminate();
      });
      res.on('error', () => reject(errorFromResponse(res.statusCode ?? 0, '', `GET ${url.pathname}`)));
    });
  });
}
