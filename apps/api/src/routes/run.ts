import { parseRunQuery, type RunRequest } from '@paas/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LOGIN_SHELL, resolveRunTarget, type RunTarget } from '../operate/run-target.js';
import type { Platform } from '../platform.js';
import type { ProcessSpec } from '../runtime/types.js';
import { bridgeRun } from './run-bridge.js';
import { wsGuard } from './ws-guard.js';

interface RunContext {
  req: RunRequest;
  target: RunTarget;
}

const runContexts = new WeakMap<FastifyRequest, RunContext>();

/** What the process gets: the command (a login shell by default), the TTY and its size, the client's TERM. */
export function processSpec(req: RunRequest): ProcessSpec {
  const proc: ProcessSpec = { argv: req.argv.length > 0 ? req.argv : LOGIN_SHELL, tty: req.tty };
  if (req.tty) {
    if (req.cols !== undefined) proc.cols = req.cols;
    if (req.rows !== undefined) proc.rows = req.rows;
    proc.env = { TERM: req.term ?? 'xterm' };
  }
  return proc;
}

/**
 * `paas run`: GET /v1/apps/:app/run upgraded to a WebSocket (protocol in
 * docs/architecture.md "The run protocol"). Token, app, query, service and
 * instance are all checked before the upgrade, so each refusal is a plain
 * HTTP error and no container is touched.
 */
export function registerRunRoutes(app: FastifyInstance, p: Platform): void {
  const guard = wsGuard(p);
  app.get('/v1/apps/:app/run', {
    websocket: true,
    preValidation: [
      guard,
      async (request) => {
        const req = parseRunQuery(request.query as Record<string, unknown>);
        const target = await resolveRunTarget(p, (request.wsApp as { name: string }).name, req);
        runContexts.set(request, { req, target });
      },
    ],
  }, async (socket, request) => {
    const ctx = runContexts.get(request);
    if (!ctx) return socket.close(1011);
    const { req, target } = ctx;
    const proc = processSpec(req);
    if (target.kind === 'data') {
      proc.argv = target.argv;
      proc.user = target.user;
      proc.workdir = '/';
      proc.env = { ...target.env, ...proc.env };
    }
    await bridgeRun(socket, {
      started: { type: 'started', instance: target.name, oneOff: target.kind === 'one-off' },
      start: () => (target.kind === 'one-off' ? p.runtime.runOneOff(target.spec, proc) : p.runtime.attach(target.id, proc)),
      log: (err) => request.log.error({ err }, 'paas run failed'),
    });
  });
}
