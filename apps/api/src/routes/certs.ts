import { PaasError, type CertAddRequest, type CertInfo, type CertList } from '@paas/core';
import type { FastifyInstance } from 'fastify';
import { loadApp, requireUser } from '../auth.js';
import type { Certificates, Platform } from '../platform.js';

/** A PEM chain or key over this is no certificate anyone uses. */
const MAX_PEM = 64 * 1024;

/**
 * Certificates of an app (`paas certs`): GET list (never a key), POST an
 * own certificate for one of its hosts (cert and key PEM in JSON, checked
 * before anything is stored), DELETE an own one. Errors never echo the key.
 */
export function registerCertRoutes(app: FastifyInstance, p: Platform): void {
  const manager = (): Required<Certificates> => {
    const c = p.certificates;
    if (!c?.list || !c.add || !c.remove) throw new PaasError('INTERNAL', 'certificates are not set up in this API process');
    return c as Required<Certificates>;
  };

  app.get('/v1/apps/:app/certs', async (request): Promise<CertList> => {
    const user = requireUser(request);
    const row = await loadApp(p.store, user, (request.params as { app: string }).app);
    return manager().list(row.name);
  });

  app.post('/v1/apps/:app/certs', async (request, reply): Promise<CertInfo> => {
    const user = requireUser(request);
    const row = await loadApp(p.store, user, (request.params as { app: string }).app);
    const body = (request.body ?? {}) as Partial<Record<keyof CertAddRequest, unknown>>;
    const host = body.host;
    if (typeof host !== 'string' || host.trim() === '') throw new PaasError('BAD_REQUEST', 'host is required', { hint: 'paas certs add www.example.com --cert cert.pem --key key.pem' });
    for (const field of ['cert', 'key'] as const) {
      const value = body[field];
      if (typeof value !== 'string' || value.trim() === '') throw new PaasError('CERT_INVALID', `the ${field === 'cert' ? 'certificate' : 'key'} is missing or empty`);
      if (value.length > MAX_PEM) throw new PaasError('CERT_INVALID', `the ${field === 'cert' ? 'certificate file' : 'key file'} is over ${MAX_PEM / 1024} KiB`);
    }
    const info = await manager().add(row.name, host, body.cert as string, body.key as string, user.name);
    void reply.status(201);
    return info;
  });

  app.delete('/v1/apps/:app/certs/:host', async (request, reply) => {
    const user = requireUser(request);
    const params = request.params as { app: string; host: string };
    const row = await loadApp(p.store, user, params.app);
    await manager().remove(row.name, params.host, user.name);
    return reply.status(204).send();
  });
}
