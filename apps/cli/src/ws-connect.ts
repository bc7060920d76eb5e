import { API_PREFIX, PaasError } from '@paas/core';
import WebSocket from 'ws';
import { apiClient, type Context } from './context.js';
import { errorFromResponse } from './api-client.js';
import { resolveLogin } from './login-store.js';

/**
 * Opens a WebSocket to the API (`paas logs`, `paas run`) with the saved token. A refusal
 * before the upgrade (401, 404 …) comes back as the API's PaasError, so it
 * exits with the catalogue's code like any other command. The socket comes
 * back paused: resume() it once its listeners are attached.
 */
export async function openSocket(ctx: Context, path: string): Promise<WebSocket> {
  await apiClient(ctx); // the usual AUTH_REQUIRED when not logged in
  const { api, token } = await resolveLogin(ctx.config);
  const url = new URL(api.replace(/\/+$/, '') + API_PREFIX + path);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(url, {
    headers: { authorization: `Bearer ${token}` },
    perMessageDeflate: false,
    handshakeTimeout: 30_000,
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (err: PaasError): void => {
      if (settled) return;
      settled = true;
      reject(err);
    };
    // Stays for the socket's life: a later error is seen as its close.
    ws.on('error', (err) => fail(lost(api, err)));
    ws.once('open', () => {
      // Paused until the caller listens: frames that came with the handshake would be emitted before then.
      ws.pause();
      settled = true;
      resolve(ws);
    });
    ws.once('unexpected-response', (req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        fail(errorFromResponse(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), `GET ${url.pathname}`));
        req.destroy();
      });
      res.on('error', (err) => fail(lost(api, err)));
    });
  });
}

function lost(api: string, err: unknown): PaasError {
  const reason = err instanceof Error ? ((err as NodeJS.ErrnoException).code ?? err.message) : String(err);
  return new PaasError('API_UNREACHABLE', `cannot reach the paas API at ${api} (${reason})`, {
    hint: 'start a local platform with paas server start, or check paas login / PAAS_API_URL',
    cause: err,
  });
}
