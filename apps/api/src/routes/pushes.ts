import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { PushEvent } from '@paas/core';
import type { FastifyInstance } from 'fastify';
import { loadApp, requireUser } from '../auth.js';
import type { Platform } from '../platform.js';
import { readSpec } from '../push/read-spec.js';
import { checkApproots } from '../push/check-approots.js';
import { asPaasError, runPush, type PushDeps } from '../push/run-push.js';
import { newId } from '../tokens.js';
import { extractUpload } from '../upload/index.js';

const ARCHIVE_TYPES = ['application/gzip', 'application/x-gzip', 'application/octet-stream'];

export function pushDeps(p: Platform): PushDeps {
  const c = p.config;
  return {
    store: p.store,
    runtime: p.runtime,
    deployer: p.deployer,
    provisioner: p.provisioner,
    locks: p.locks,
    docker: p.docker,
    domain: c.domain,
    routerPort: c.routerPort,
    labels: p.deployer.opts.labels,
    buildCaFile: c.buildCaFile,
    buildMemoryBytes: c.buildMemoryBytes,
    buildCpuShares: c.buildCpuShares,
    ...(p.buildNetwork === undefined ? {} : { buildNetwork: p.buildNetwork }),
    ...(p.buildCgroups === undefined ? {} : { buildCgroups: p.buildCgroups }),
    keepReleases: c.keepReleases,
  };
}

export function registerPushRoutes(app: FastifyInstance, p: Platform): void {
  // Leave the body unread: the handler streams it through the upload checks.
  app.addContentTypeParser(ARCHIVE_TYPES, (_request, _payload, done) => done(null));

  app.post('/v1/apps/:app/pushes', async (request, reply) => {
    const user = requireUser(request);
    const row = await loadApp(p.store, user, (request.params as { app: string }).app);
    const query = request.query as { clean?: string; strict?: string };
    const lock = await p.locks.acquire(row.name, 'push');
    let unlocked = false;
    const unlock = async (): Promise<void> => {
      if (unlocked) return;
      unlocked = true;
      await lock();
      p.wake(row.name);
    };
    const buildId = newId(4);
    const dir = join(p.config.home, 'tmp', `push-${buildId}`);
    try {
      const { files, bytes } = await extractUpload(request.raw, dir, {
        maxBytes: p.config.maxUploadBytes,
        maxEntries: p.config.maxUploadEntries,
        ...(p.config.uploadIdleMs !== undefined ? { idleMs: p.config.uploadIdleMs } : {}),
      });
      const strict = query.strict === '1' || query.strict === 'true';
      const { spec, warnings } = await readSpec(dir, { strict });
      await checkApproots(dir, spec);

      // From here on the answer is a stream of events; errors become `error` events.
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
      const emit = (event: PushEvent): void => {
        // The push goes on if the client went away (like a git push on the server side).
        if (!res.destroyed) res.write(`${JSON.stringify(event)}\n`);
      };
      emit({ type: 'push.accepted', push: buildId, build: buildId, bytes, files });
      for (const w of warnings) emit({ type: 'warning', path: w.path, message: w.message });
      try {
        await runPush(pushDeps(p), {
          app: row.name,
          actor: user.name,
          buildId,
          spec,
          sourceDir: dir,
          clean: query.clean === '1' || query.clean === 'true',
          strict,
          emit,
          unlock,
          background: (work) => void work.catch((err: unknown) => request.log.warn({ err }, 'retiring old instances failed')),
        });
      } catch (err) {
        emit({ type: 'error', error: asPaasError(err).toBody() });
      }
      res.end();
    } finally {
      await unlock();
      await rm(dir, { recursive: true, force: true });
    }
  });
}
