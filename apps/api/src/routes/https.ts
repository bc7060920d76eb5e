import { MAX_HSTS_MAX_AGE, PaasError, type HttpsSettings } from '@paas/core';
import type { FastifyInstance } from 'fastify';
import { loadApp, requireUser } from '../auth.js';
import type { Platform } from '../platform.js';

/**
 * The per-app HTTPS switch (`paas https`): GET, and PUT of the fields to
 * change (the others stay). Set on every route entry of the app before the
 * answer goes out; the router does the redirect and the header.
 */
export function registerHttpsRoutes(app: FastifyInstance, p: Platform): void {
  app.get('/v1/apps/:app/https', async (request): Promise<HttpsSettings> => {
    const user = requireUser(request);
    const row = await loadApp(p.store, user, (request.params as { app: string }).app);
    const { redirect, hstsMaxAge } = await p.store.getHttps(row.name);
    return { redirect, hstsMaxAge };
  });

  app.put('/v1/apps/:app/https', async (request): Promise<HttpsSettings> => {
    const user = requireUser(request);
    const row = await loadApp(p.store, user, (request.params as { app: string }).app);
    const change = parseChange(request.body);
    const current = await p.store.getHttps(row.name);
    const next: HttpsSettings = { redirect: change.redirect ?? current.redirect, hstsMaxAge: change.hstsMaxAge === undefined ? current.hstsMaxAge : change.hstsMaxAge };
    await p.store.setHttps(row.name, next);
    await p.routes.refreshEdges(row.name);
    if (next.redirect !== current.redirect || next.hstsMaxAge !== current.hstsMaxAge) {
      await p.store.addEvent({ app: row.name, actor: user.name, action: 'https', detail: { ...next } });
    }
    return next;
  });
}

function parseChange(body: unknown): Partial<HttpsSettings> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new PaasError('BAD_REQUEST', 'expected a JSON object {redirect?, hstsMaxAge?}');
  }
  const { redirect, hstsMaxAge, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new PaasError('BAD_REQUEST', `unknown field ${unknown.join(', ')}: expected redirect and hstsMaxAge`);
  const out: Partial<HttpsSettings> = {};
  if (redirect !== undefined) {
    if (typeof redirect !== 'boolean') throw new PaasError('BAD_REQUEST', 'redirect must be true or false');
    out.redirect = redirect;
  }
  if (hstsMaxAge !== undefined) {
    if (hstsMaxAge !== null && !(Number.isSafeInteger(hstsMaxAge) && (hstsMaxAge as number) >= 0 && (hstsMaxAge as number) <= MAX_HSTS_MAX_AGE)) {
      throw new PaasError('BAD_REQUEST', `hstsMaxAge must be a whole number of seconds from 0 to ${MAX_HSTS_MAX_AGE} (two years), or null for no header`, {
        hint: 'e.g. paas https --hsts=31536000 (one year); --hsts=0 tells browsers to forget an earlier one',
      });
    }
    out.hstsMaxAge = hstsMaxAge as number | null;
  }
  return out;
}
