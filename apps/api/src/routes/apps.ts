import { PaasError, checkAppName, type AppDetail, type AppInfo, type BuildInfo } from '@paas/core';
import type { FastifyInstance } from 'fastify';
import { loadApp, requireUser } from '../auth.js';
import { appUrl } from '../deploy/routes-for-app.js';
import { destroyApp } from '../deploy/destroy-app.js';
import { describeInstances } from '../operate/instance-info.js';
import type { Platform } from '../platform.js';
import { toReleaseInfo } from '../releases/release-info.js';
import type { AppRow } from '../store/types.js';

export function registerAppRoutes(app: FastifyInstance, p: Platform): void {
  const info = async (row: AppRow): Promise<AppInfo> => {
    const active = await p.store.getActiveRelease(row.name);
    return {
      name: row.name,
      owner: row.owner,
      createdAt: row.createdAt.toISOString(),
      url: appUrl(row.name, p.config.domain, p.config.routerPort),
      release: active?.id ?? null,
    };
  };

  app.post('/v1/apps', async (request, reply): Promise<AppInfo> => {
    const user = requireUser(request);
    const name = (request.body as { name?: unknown } | undefined)?.name;
    if (typeof name !== 'string') throw new PaasError('NAME_INVALID', 'an app name is required', { hint: 'paas create NAME' });
    checkAppName(name);
    const row = await p.store.createApp(name, user.name);
    await p.store.addEvent({ app: name, actor: user.name, action: 'app.create' });
    void reply.status(201);
    return info(row);
  });

  app.get('/v1/apps', async (request): Promise<AppInfo[]> => {
    const user = requireUser(request);
    const rows = await p.store.listApps(user.admin ? undefined : user.name);
    return Promise.all(rows.map(info));
  });

  app.get('/v1/apps/:app', async (request): Promise<AppDetail> => {
    const user = requireUser(request);
    const row = await loadApp(p.store, user, (request.params as { app: string }).app);
    const [base, active, releases, scale, instances, builds] = await Promise.all([
      info(row),
      p.store.getActiveRelease(row.name),
      p.store.listReleases(row.name),
      p.store.getScale(row.name),
      p.runtime.listInstances({ app: row.name }),
      p.store.listBuilds(row.name),
    ]);
    return {
      ...base,
      spec: active?.spec ?? null,
      scale,
      instances: describeInstances(row.name, instances, p.deployer, p.routes.appRoutes(row.name))
        .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }) || a.release.localeCompare(b.release, undefined, { numeric: true })),
      releases: releases.map(toReleaseInfo),
      builds: builds.map(
        (b): BuildInfo => ({
          id: b.id,
          number: b.number,
          status: b.status,
          error: b.error,
          createdAt: b.createdAt.toISOString(),
          finishedAt: b.finishedAt?.toISOString() ?? null,
        }),
      ),
    };
  });

  app.delete('/v1/apps/:app', async (request, reply) => {
    const user = requireUser(request);
    const row = await loadApp(p.store, user, (request.params as { app: string }).app);
    const unlock = await p.locks.acquire(row.name, 'destroy');
    try {
      await destroyApp(p, row.name);
      await p.store.addEvent({ app: null, actor: user.name, action: 'app.destroy', detail: { app: row.name } });
    } finally {
      await unlock();
    }
    return reply.status(204).send();
  });
}
