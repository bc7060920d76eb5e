import type { FastifyRequest } from 'fastify';
import { loadApp, requireUser } from '../auth.js';
import type { AppRow } from '../store/types.js';
import type { Platform } from '../platform.js';

/** Largest WebSocket frame a client may send (reliability 25): a bigger one closes with 1009. */
export const WS_MAX_PAYLOAD = 64 * 1024;

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by wsGuard before a WebSocket upgrade: the app the socket is about. */
    wsApp: AppRow | null;
  }
}

/**
 * preValidation for WebSocket routes: runs before the upgrade, so a missing
 * or bad token (401) and another user's app (404) are answered as plain HTTP
 * errors, before any container is touched (reliability 25).
 */
export function wsGuard(p: Platform) {
  return async (request: FastifyRequest): Promise<void> => {
    const user = requireUser(request);
    request.wsApp = await loadApp(p.store, user, (request.params as { app: string }).app);
  };
}
