import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import { userForToken, bearerToken } from './auth.js';
import { errorHandler } from './http-errors.js';
import type { Platform } from './platform.js';
import { registerAppRoutes } from './routes/apps.js';
import { registerCertRoutes } from './routes/certs.js';
import { registerDomainRoutes } from './routes/domains.js';
import { registerHttpsRoutes } from './routes/https.js';
import { registerLogRoutes } from './routes/logs.js';
import { registerNodeRoutes } from './routes/nodes.js';
import { registerOperateRoutes } from './routes/operate.js';
import { registerServiceRoutes } from './routes/services.js';
import { registerPushRoutes } from './routes/pushes.js';
import { registerReleaseRoutes } from './routes/releases.js';
import { registerRunRoutes } from './routes/run.js';
import { registerUserRoutes } from './routes/users.js';
import { WS_MAX_PAYLOAD } from './routes/ws-guard.js';
import { PaasError } from '@paas/core';

export const VERSION = '0.1.0';

/** The HTTP API without listening (style.md 8): tests use inject or listen on port 0. */
export function buildApp(p: Platform, opts: { logger?: boolean } = {}): FastifyInstance {
  const app = Fastify({
    logger: opts.logger ? { level: 'info', redact: ['req.headers.authorization'] } : false,
    bodyLimit: 1024 * 1024,
    // The API is reached on loopback or behind the operator's proxy; request ids help read its log.
    requestIdHeader: false,
  });
  app.decorateRequest('user', null);
  app.decorateRequest('wsApp', null);
  // WebSockets (logs, run): frames over the limit close the socket with 1009.
  void app.register(websocket, { options: { maxPayload: WS_MAX_PAYLOAD } });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send(new PaasError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`).toBody());
  });
  app.addHook('onRequest', async (request) => {
    request.user = await userForToken(p.store, bearerToken(request.headers.authorization));
  });
  app.get('/v1/health', async () => ({ ok: true, version: VERSION }));
  // Routes load after the websocket plugin, so that its route hook sees them.
  void app.register(async (routes) => {
    registerUserRoutes(routes, p);
    registerAppRoutes(routes, p);
    registerPushRoutes(routes, p);
    registerOperateRoutes(routes, p);
    registerReleaseRoutes(routes, p);
    registerLogRoutes(routes, p);
    registerRunRoutes(routes, p);
    registerServiceRoutes(routes, p);
    registerDomainRoutes(routes, p);
    registerHttpsRoutes(routes, p);
    registerCertRoutes(routes, p);
    registerNodeRoutes(routes, p);
  });
  return app;
}
