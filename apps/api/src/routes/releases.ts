import { applyEnvChange, checkEnvChange, PaasError, type AppEnv, type EnvChangeRequest, type ReleaseInfo, type RollbackRequest } from '@paas/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { loadApp, requireUser } from '../auth.js';
import { errorHandler } from '../http-errors.js';
import type { Platform } from '../platform.js';
import { changeEnv } from '../releases/change-env.js';
import { toReleaseInfo } from '../releases/release-info.js';
import { planRollback, rollback } from '../releases/rollback.js';
import type { RollOutDeps } from '../releases/roll-out.js';
import { stream } from './operate.js';

/**
 * The body of an env change: up to 1 MiB of env, JSON-escaped (a newline
 * takes two bytes, a control character six), so the route allows more than
 * the API's default and the limits are checked on the decoded values.
 */
export const ENV_BODY_LIMIT = 8 * 1024 * 1024;

export function rollOutDeps(p: Platform): RollOutDeps {
  return {
    store: p.store,
    runtime: p.runtime,
    locks: p.locks,
    deployer: p.deployer,
    keepReleases: p.config.keepReleases,
    domain: p.config.domain,
    routerPort: p.config.routerPort,
  };
}

/** A body over ENV_BODY_LIMIT is an env too large, not an upload. */
function envErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (err.statusCode === 413) {
    errorHandler(new PaasError('ENV_TOO_LARGE', `the request is over ${ENV_BODY_LIMIT} bytes; an app's env is at most 1 MiB`), request, reply);
    return;
  }
  errorHandler(err, request, reply);
}

/** An unlock that runs once, whoever calls it first (the roll-out at activation, or the route at the end). */
function once(release: () => Promise<void>, after: () => void): () => Promise<void> {
  let done = false;
  return async () => {
    if (done) return;
    done = true;
    await release();
    after();
  };
}

export function registerReleaseRoutes(app: FastifyInstance, p: Platform): void {
  const appName = (request: FastifyRequest): string => (request.params as { app: string }).app;
  const background = (request: FastifyRequest) => (work: Promise<unknown>) =>
    void work.catch((err: unknown) => request.log.warn({ err }, 'retiring old instances failed'));

  app.get('/v1/apps/:app/env', async (request): Promise<AppEnv> => {
    const user = requireUser(request);
    const row = await loadApp(p.store, user, appName(request));
    const [env, active] = await Promise.all([p.store.getAppEnv(row.name), p.store.getActiveRelease(row.name)]);
    const deployed = active?.env ?? {};
    const undeployed = active
      ? [...new Set([...Object.keys(env), ...Object.keys(deployed)])].filter((k) => env[k] !== deployed[k]).sort()
      : Object.keys(env);
    return { env, release: active?.id ?? null, undeployed };
  });

  app.patch('/v1/apps/:app/env', { bodyLimit: ENV_BODY_LIMIT, errorHandler: envErrorHandler }, async (request, reply) => {
    const user = requireUser(request);
    const row = await loadApp(p.store, user, appName(request));
    const body = (request.body ?? {}) as EnvChangeRequest;
    const change = checkEnvChange({ set: body.set, unset: body.unset });
    const deploy = body.deploy !== false;
    const names = { set: Object.keys(change.set), unset: change.unset };
    if (!deploy) {
      // Staged for the next push: no lock, nothing runs differently.
      await p.store.updateAppEnv(row.name, change.set, change.unset);
      await p.store.addEvent({ app: row.name, actor: user.name, action: 'env', detail: { ...names, staged: true } });
      await stream(reply, async (emit) => emit({ type: 'env.stored', ...names, note: 'stored (--no-deploy): the next push or env change deploys it' }));
      return;
    }
    const unlock = once(await p.locks.acquire(row.name, 'env change'), () => p.wake(row.name));
    try {
      // Checked before the stream, so that a change past the total is a plain 413.
      applyEnvChange(await p.store.getAppEnv(row.name), change);
      await stream(reply, (emit) => changeEnv(rollOutDeps(p), { app: row.name, actor: user.name, change, emit, unlock, background: background(request) }));
    } finally {
      await unlock();
    }
  });

  app.get('/v1/apps/:app/releases', async (request): Promise<ReleaseInfo[]> => {
    const user = requireUser(request);
    const row = await loadApp(p.store, user, appName(request));
    return (await p.store.listReleases(row.name)).map(toReleaseInfo);
  });

  app.post('/v1/apps/:app/rollback', async (request, reply) => {
    const user = requireUser(request);
    const row = await loadApp(p.store, user, appName(request));
    const to = (request.body as RollbackRequest | undefined)?.to;
    if (to !== undefined && typeof to !== 'string') throw new PaasError('BAD_REQUEST', 'expected {"to": "v2"}');
    const unlock = once(await p.locks.acquire(row.name, 'rollback'), () => p.wake(row.name));
    try {
      // Under the lock, before the stream: a missing release or pruned images are a plain 4xx and change nothing.
      const plan = await planRollback(p.store, p.runtime, p.config.keepReleases, row.name, to);
      await stream(reply, async (emit) => {
        if (plan.target === null) {
          emit({ type: 'done', release: plan.active.id, note: `${plan.active.id} is the active release already: nothing to do` });
          return;
        }
        await rollback(rollOutDeps(p), { app: row.name, actor: user.name, plan, emit, unlock, background: background(request) });
      });
    } finally {
      await unlock();
    }
  });
}
