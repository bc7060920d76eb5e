import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import { DEFAULT_DASHBOARD_DIR, registerDashboard } from './dashboard.js';
import { errorHandler } from './http-errors.js';
import { InstanceEvents } from './logs/instance-events.js';
import type { Platform } from './platform.js';
import { registerAppRoutes } from './routes/apps.js';
import { registerCertRoutes } from './routes/certs.js';
import { registerDomainRoutes } from './routes/domains.js';
import { registerHttpsRoutes } from './routes/https.js';
import { registerLogRoutes } from './routes/logs.js';
import { registerNodeRoutes } from './routes/nodes.js';
import { registerOperateRoutes } from './routes/operate.js';
import { registerPlatformRoutes } from './routes/platform.js';
import { registerServiceRoutes } from './routes/services.js';
import { registerPushRoutes } from './routes/pushes.js';
import { registerReleaseRoutes } from './routes/releases.js';
import { registerRunRoutes } from './routes/run.js';
import { registerUserRoutes } from './routes/users.js';
import { WS_MAX_PAYLOAD } from './routes/ws-guard.js';
import { authenticate, registerSessionRoutes } from './session.js';
import { PaasError } from '@paas/core';

export const VERSION = '0.1.0';

/** The HTTP API without listening (style.md 8): tests use inject or listen on port 0. */
export interface AppOptions {
  logger?: boolean;
  /** The built dashboard served at `/` (default: apps/dashboard/dist of this checkout). */
  dashboardDir?: string;
}

export function buildApp(p: Platform, opts: AppOptions = {}): FastifyInstance {
  const app = Fastify({
    logger: opts.logger ? { level: 'info', redact: ['req.headers.authorization', 'req.headers.cookie'] } : false,
    bodyLimit: 1024 * 1024,
    // The API is reached on loopback or behind the operator's proxy; request ids help read its log.
    requestIdHeader: false,
    // Behind the operator's TLS proxy (PAAS_API_TRUST_PROXY), the session cookie is marked Secure.
    trustProxy: p.config.apiTrustProxy ?? false,
  });
  app.decorateRequest('user', null);
  app.decorateRequest('wsApp', null);
  // WebSockets (logs, run): frames over the limit close the socket with 1009.
  void app.register(websocket, { options: { maxPayload: WS_MAX_PAYLOAD } });
  app.setErrorHandler(errorHandler);
  registerDashboard(app, opts.dashboardDir ?? DEFAULT_DASHBOARD_DIR, (request, reply) => {
    void reply.status(404).send(new PaasError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`).toBody());
  });
  app.addHook('onRequest', async (request) => {
    request.user = await authenticate(p.store, request);
  });
  // One subscription to the engine's events, shared by every open `paas logs` and live `ps`.
  const events = new InstanceEvents(p.runtime);
  app.addHook('onClose', async () => events.close());
  app.get('/v1/health', async () => ({ ok: true, version: VERSION }));
  // Routes load after the websocket plugin, so that its route hook sees them.
  void app.register(async (routes) => {
    registerSessionRoutes(routes, p.store);
    registerUserRoutes(routes, p);
    registerPlatformRoutes(routes, p, VERSION);
    registerAppRoutes(routes, p);
    registerPushRoutes(routes, p);
    registerOperateRoutes(routes, p, events);
    registerReleaseRoutes(routes, p);
    registerLogRoutes(routes, p, events);
    registerRunRoutes(routes, p);
    registerServiceRoutes(routes, p);
    registerDomainRoutes(routes, p);
    registerHttpsRoutes(routes, p);
    registerCertRoutes(routes, p);
    registerNodeRoutes(routes, p);
  });
  return app;
}
