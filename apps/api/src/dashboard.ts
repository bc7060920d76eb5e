import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import { PaasError } from '@paas/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where `npm run build` puts the dashboard, beside the API in the same checkout. */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../dashboard/dist', import.meta.url));

/**
 * The page may run only its own scripts and talk only to this origin; no
 * other site may frame it (clickjacking). Inline styles are allowed for the
 * terminal, which sizes its rows with them.
 */
export const DASHBOARD_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** Paths the page itself routes (/apps/blog/logs…): every GET outside /v1 that asks for HTML gets index.html. */
function isPageRequest(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0] ?? '/';
  return (request.method === 'GET' || request.method === 'HEAD') && !path.startsWith('/v1/') && path !== '/v1' && (request.headers.accept ?? '').includes('text/html');
}

/**
 * Serves the dashboard's files at `/` from `dir` (hashed assets cached for a
 * year, gzip/brotli copies when the build made them), and index.html for the
 * page's own paths. Without a built dashboard, `/` says how to build it.
 */
export function registerDashboard(app: FastifyInstance, dir: string, notFound: (request: FastifyRequest, reply: FastifyReply) => void): void {
  const built = existsSync(`${dir}/index.html`);
  app.addHook('onSend', async (request, reply) => {
    if (request.url.startsWith('/v1/')) return;
    void reply.header('content-security-policy', DASHBOARD_CSP);
    void reply.header('x-frame-options', 'DENY');
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('referrer-policy', 'no-referrer');
  });
  if (built) {
    void app.register(fastifyStatic, {
      root: dir,
      prefix: '/',
      wildcard: false,
      preCompressed: true,
      index: 'index.html',
      setHeaders: (res, path) => {
        void res.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  }
  app.setNotFoundHandler((request, reply) => {
    if (!isPageRequest(request)) return notFound(request, reply);
    if (!built) {
      const e = new PaasError('NOT_FOUND', `the dashboard is not built (no ${dir}/index.html)`, { hint: 'run npm run build in the paas checkout, then paas server restart' });
      return void reply.status(404).send(e.toBody());
    }
    void reply.header('cache-control', 'no-cache');
    return void reply.sendFile('index.html');
  });
}
