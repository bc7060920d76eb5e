import { hasWebService, type AppSpec, type ReleaseCause } from '@paas/core';
import type { Deployer, Emit } from '../deploy/deployer.js';
import { appUrl } from '../deploy/routes-for-app.js';
import type { ReleaseRow } from '../store/types.js';
import { pruneUnderLock, type PruneDeps } from './prune-images.js';

export interface RollOutDeps extends PruneDeps {
  deployer: Deployer;
  domain: string;
  routerPort: number;
}

export interface RollOutInput {
  app: string;
  actor: string;
  buildId: string;
  spec: AppSpec;
  images: Record<string, string>;
  env: Record<string, string>;
  cause: ReleaseCause;
  emit: Emit;
  /** Runs once the release is active, still under the app's lock (an env change stores the app env here). */
  activated?: (release: ReleaseRow) => Promise<void>;
  /** Releases the app's lock: called once the release is active, before the old instances are retired. */
  unlock: () => Promise<void>;
  /** Retiring the old instances and pruning images; the response does not wait for it. */
  background: (work: Promise<unknown>) => void;
}

/**
 * Records a release and deploys it health-gated (Deployer.deploy: every new
 * instance healthy, then one switch of the app's routes). Once it is active
 * the lock goes, and the old instances are drained and images pruned in the
 * background, as a push does. Throws DeployError; the release is then
 * marked failed and what served before still serves.
 */
export async function rollOut(deps: RollOutDeps, input: RollOutInput): Promise<ReleaseRow> {
  const { app, emit } = input;
  const release = await deps.store.createRelease({
    app,
    buildId: input.buildId,
    spec: input.spec,
    images: input.images,
    env: input.env,
    cause: input.cause,
    actor: input.actor,
  });
  const old = await deps.deployer.deploy(release, emit);
  await input.activated?.(release);
  await input.unlock();
  input.background(
    deps.deployer
      .retire(app, old)
      .then(() => pruneUnderLock(deps, app))
      .catch(() => undefined),
  );
  if (old.length > 0) emit({ type: 'log', line: `retiring ${old.length} old instance${old.length === 1 ? '' : 's'} in the background` });
  return release;
}

/** The `done` event: the URL only when the release has a web service (a workers-only app has no page). */
export function doneEvent(deps: Pick<RollOutDeps, 'domain' | 'routerPort'>, release: Pick<ReleaseRow, 'app' | 'id' | 'spec'>, note?: string) {
  return {
    type: 'done' as const,
    release: release.id,
    ...(hasWebService(release.spec) ? { url: appUrl(release.app, deps.domain, deps.routerPort) } : {}),
    ...(note !== undefined ? { note } : {}),
  };
}
