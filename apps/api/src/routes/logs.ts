import { PaasError, type BuildLogAnswer, type LogControlFrame, type LogFrame } from '@paas/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { loadApp, requireUser } from '../auth.js';
import type { EventSource } from '../logs/instance-events.js';
import { parseLogQuery, type LogQuery } from '../logs/log-query.js';
import { streamLogs } from '../logs/log-session.js';
import type { Platform } from '../platform.js';
import type { BuildRow } from '../store/types.js';
import { wsGuard } from './ws-guard.js';

/** Frames queued for a slow client beyond this wait until it has read them. */
const HIGH_WATER_BYTES = 1024 * 1024;
/** A client that answers no ping for this long is gone. */
const PING_MS = 30_000;

declare module 'fastify' {
  interface FastifyRequest {
    logQuery?: LogQuery;
  }
}

/**
 * `paas logs`: a WebSocket of the app's instance output (one JSON text frame
 * per line, then `{type: "end"}` when not following), and the stored log of
 * a build and its deploy as plain JSON.
 */
export function registerLogRoutes(app: FastifyInstance, p: Platform, events: EventSource): void {
  app.get(
    '/v1/apps/:app/logs',
    {
      websocket: true,
      // Token, app and query are checked before the upgrade: a bad one is a plain HTTP error.
      preValidation: [
        wsGuard(p),
        async (request: FastifyRequest) => {
          request.logQuery = parseLogQuery(request.query as Record<string, unknown>);
          const service = request.logQuery.target?.service;
          const active = service === undefined ? null : await p.store.getActiveRelease((request.wsApp as { name: string }).name);
          if (service !== undefined && active !== null && !(service in active.spec.services)) {
            throw new PaasError('SERVICE_NOT_FOUND', `${active.app} has no service ${service}`, { hint: 'paas info lists the services' });
          }
        },
      ],
    },
    (socket: WebSocket, request: FastifyRequest) => {
      const row = request.wsApp;
      const query = request.logQuery;
      if (!row || !query) return void socket.close(1011);
      const abort = new AbortController();
      let alive = true;
      const ping = setInterval(() => {
        if (!alive) return void socket.terminate();
        alive = false;
        socket.ping();
      }, PING_MS);
      socket.on('pong', () => (alive = true));
      // Nothing is expected from the client; frames over the limit are closed with 1009 by the plugin.
      socket.on('message', () => undefined);
      socket.on('close', () => {
        clearInterval(ping);
        abort.abort();
      });
      const send = async (frame: LogFrame | LogControlFrame): Promise<void> => {
        if (socket.readyState !== socket.OPEN) return;
        const text = JSON.stringify(frame);
        if (socket.bufferedAmount < HIGH_WATER_BYTES) return void socket.send(text);
        await new Promise<void>((resolve) => socket.send(text, () => resolve()));
      };
      void streamLogs({
        app: row.name,
        query,
        runtime: p.runtime,
        retained: (q) => p.store.listInstanceLogs(row.name, q),
        events,
        send,
        signal: abort.signal,
        appExists: async () => (await p.store.getApp(row.name)) !== null,
      }).then(
        async () => {
          await send({ type: 'end' });
          socket.close(1000);
        },
        async (err: unknown) => {
          const error = err instanceof PaasError ? err : new PaasError('INTERNAL', 'reading the logs failed');
          if (!(err instanceof PaasError)) request.log.error({ err: (err as Error)?.message }, 'logs failed');
          await send({ type: 'error', error: error.toBody() });
          socket.close(1011);
        },
      );
    },
  );

  app.get('/v1/apps/:app/builds/:id/log', async (request): Promise<BuildLogAnswer> => {
    const user = requireUser(request);
    const { app: name, id } = request.params as { app: string; id: string };
    const row = await loadApp(p.store, user, name);
    let build: BuildRow | null | undefined;
    if (id === 'latest') {
      build = (await p.store.listBuilds(row.name))[0];
      if (!build) throw new PaasError('BUILD_NOT_FOUND', `${row.name} has no build yet`, { hint: 'paas push builds the app' });
    } else {
      build = await p.store.getBuild(id);
      // Another app's build answers as a missing one.
      if (!build || build.app !== row.name) throw new PaasError('BUILD_NOT_FOUND', `${row.name} has no build ${id}`, { hint: 'paas logs --build shows the newest build' });
    }
    return {
      build: {
        id: build.id,
        number: build.number,
        status: build.status,
        error: build.error,
        createdAt: build.createdAt.toISOString(),
        finishedAt: build.finishedAt?.toISOString() ?? null,
      },
      lines: await p.store.getBuildLog(build.id),
    };
  });
}
