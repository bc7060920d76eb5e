import { PaasError, checkDomain, domainUrl, isWildcardDomain, type DomainAdded, type DomainInfo } from '@paas/core';
import type { FastifyInstance } from 'fastify';
import { loadApp, requireUser } from '../auth.js';
import type { Platform } from '../platform.js';
import type { DomainRow } from '../store/types.js';

/**
 * Custom domains of an app (`paas domain`): GET list, POST add (201, or 200
 * when the app has it already), DELETE one (204). A change is routed before
 * the answer goes out. No app lock: a domain changes only routes, and the
 * route table applies it in its one chain of changes, so a push that
 * switches meanwhile keeps it (route-table.ts).
 */
export function registerDomainRoutes(app: FastifyInstance, p: Platform): void {
  const info = (row: DomainRow): DomainInfo => ({
    name: row.name,
    app: row.app,
    wildcard: isWildcardDomain(row.name),
    url: domainUrl(row.name, p.config.routerPort),
    target: `${row.app}.${p.config.domain}`,
    createdAt: row.createdAt.toISOString(),
  });

  app.get('/v1/apps/:app/domains', async (request): Promise<DomainInfo[]> => {
    const user = requireUser(request);
    const row = await loadApp(p.store, user, (request.params as { app: string }).app);
    return (await p.store.listDomains(row.name)).map(info);
  });

  app.post('/v1/apps/:app/domains', async (request, reply): Promise<DomainAdded> => {
    const user = requireUser(request);
    const row = await loadApp(p.store, user, (request.params as { app: string }).app);
    const given = (request.body as { name?: unknown } | undefined)?.name;
    if (typeof given !== 'string') throw new PaasError('DOMAIN_INVALID', 'a domain name is required', { hint: 'paas domain add www.example.com' });
    const name = checkDomain(given, { platformDomain: p.config.domain });
    const had = (await p.store.listDomains(row.name)).some((d) => d.name === name);
    const added = await p.store.addDomain(row.name, name);
    // Even when the app had it: a retry after the router did not answer routes it now.
    await p.routes.refreshEdges(row.name);
    if (!had) {
      await p.store.addEvent({ app: row.name, actor: user.name, action: 'domain.add', detail: { name } });
      p.certificates?.domainsChanged(row.name);
    }
    void reply.status(had ? 200 : 201);
    return { ...info(added), created: !had };
  });

  app.delete('/v1/apps/:app/domains/:name', async (request, reply) => {
    const user = requireUser(request);
    const params = request.params as { app: string; name: string };
    const row = await loadApp(p.store, user, params.app);
    // Not checked against PAAS_DOMAIN: a domain added before the operator changed it can still go.
    const name = checkDomain(params.name);
    if (!(await p.store.removeDomain(row.name, name))) {
      throw new PaasError('DOMAIN_NOT_FOUND', `${row.name} has no domain ${name}`, { hint: `paas domain list -a ${row.name} lists its domains` });
    }
    await p.routes.refreshEdges(row.name);
    await p.store.addEvent({ app: row.name, actor: user.name, action: 'domain.remove', detail: { name } });
    p.certificates?.domainsChanged(row.name);
    return reply.status(204).send();
  });
}
