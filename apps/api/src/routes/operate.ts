import { checkScale, PaasError, type InstanceInfo, type PushEvent, type RestartRequest } from '@paas/core';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { loadApp, requireUser } from '../auth.js';
import { toDeployError } from '../deploy/deployer.js';
import { describeInstances } from '../operate/instance-info.js';
import { restartService } from '../operate/restart-app.js';
import { activeRelease, codeService, scaleApp } from '../operate/scale-app.js';
import type { EventSource } from '../logs/instance-events.js';
import { liveInstances, type Figures } from '../operate/live-instances.js';
import type { Platform } from '../platform.js';
import { eventStream, wantsEventStream } from './event-stream.js';

/** Answers with an NDJSON stream of events, as a push does; failures become the last `error` event. */
export async function stream(reply: FastifyReply, work: (emit: (e: PushEvent) => void) => Promise<void>): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
  const emit = (event: PushEvent): void => {
    if (!res.destroyed) res.write(`${JSON.stringify(event)}\n`);
  };
  try {
    await work(emit);
  } catch (err) {
    const e = toDeployError(err);
    emit({ type: 'error', error: e.error.toBody(), ...(e.logs.length ? { logs: e.logs } : {}) });
  }
  res.end();
}

export function registerOperateRoutes(app: FastifyInstance, p: Platform, events: EventSource): void {
  app.post('/v1/apps/:app/scale', async (request, reply) => {
    const user = requireUser(request);
    const row = await loadApp(p.store, user, (request.params as { app: string }).app);
    const wanted = checkScale((request.body as { scale?: unknown } | undefined)?.scale);
    // Checked before the lock and the stream, so that bad input is a plain 4xx.
    const release = await activeRelease(p.store, row.name);
    for (const name of Object.keys(wanted)) codeService(release, name, 'SCALE_INVALID');
    const unlock = await p.locks.acquire(row.name, 'scale');
    try {
      await stream(reply, async (emit) => {
        const scale = await scaleApp(p.store, p.deployer, row.name, wanted, emit);
        await p.store.addEvent({ app: row.name, actor: user.name, action: 'scale', detail: { scale: wanted } });
        emit({ type: 'converged', release: release.id, scale });
      });
    } finally {
      await unlock();
      p.wake(row.name);
    }
  });

  app.post('/v1/apps/:app/restart', async (request, reply) => {
    const user = requireUser(request);
    const row = await loadApp(p.store, user, (request.params as { app: string }).app);
    const body = (request.body ?? {}) as Partial<RestartRequest>;
    if (typeof body.service !== 'string' || (body.index !== undefined && (!Number.isInteger(body.index) || body.index < 1))) {
      throw new PaasError('BAD_REQUEST', 'expected {"service": "www", "index"?: 2}');
    }
    const release = await activeRelease(p.store, row.name);
    codeService(release, body.service, 'SERVICE_NOT_FOUND');
    const unlock = await p.locks.acquire(row.name, 'restart');
    try {
      await stream(reply, async (emit) => {
        const scale = await restartService(p.store, p.deployer, row.name, body.service as string, body.index, emit);
        await p.store.addEvent({ app: row.name, actor: user.name, action: 'restart', detail: { service: body.service, ...(body.index ? { index: body.index } : {}) } });
        emit({ type: 'converged', release: release.id, scale });
      });
    } finally {
      await unlock();
      p.wake(row.name);
    }
  });

  app.get('/v1/apps/:app/ps', async (request, reply): Promise<InstanceInfo[] | void> => {
    const user = requireUser(request);
    const row = await loadApp(p.store, user, (request.params as { app: string }).app);
    const ids = new Map<string, string>();
    const list = async (): Promise<InstanceInfo[]> => {
      const instances = await p.runtime.listInstances({ app: row.name });
      // The engine ids of the running ones, for their figures.
      ids.clear();
      for (const i of instances) if (i.running) ids.set(`${i.service}.${i.index}`, i.id);
      return describeInstances(row.name, instances, p.deployer, p.routes.appRoutes(row.name));
    };
    const stats = async (infos: InstanceInfo[]): Promise<Map<string, Figures>> => {
      const out = new Map<string, Figures>();
      await Promise.all(
        infos.map(async (info) => {
          const id = ids.get(info.name);
          const s = id === undefined ? null : await p.runtime.stats(id).catch(() => null);
          if (s) out.set(info.name, { cpuPercent: s.cpuPercent, memoryBytes: s.memoryBytes, memoryLimitBytes: s.memoryLimitBytes });
        }),
      );
      return out;
    };
    if (wantsEventStream(request)) {
      return eventStream(reply, request, (send, signal) =>
        liveInstances({ list, stats, subscribe: (wake) => events.subscribe(row.name, wake), send: (l) => send('ps', l), signal }),
      );
    }
    const infos = await list();
    const figures = await stats(infos);
    return infos.map((i) => ({ ...i, ...(figures.get(i.name) ?? {}) }));
  });
}
