import { PaasError } from '@paas/core';
import type { Emit } from '../deploy/deployer.js';
import type { Release } from '../locks.js';
import type { ReleaseRow, Store } from '../store/types.js';
import type { Runtime } from '../runtime/types.js';
import { isKept } from './prune-images.js';
import { doneEvent, rollOut, type RollOutDeps } from './roll-out.js';

/** "v2", "2" → "v2"; anything else is not a release id. */
export function releaseId(value: string): string {
  const m = /^v?([1-9][0-9]{0,8})$/.exec(value.trim());
  if (!m) throw new PaasError('USAGE', `${JSON.stringify(value)} is not a release (expected vN, e.g. v2)`, { hint: 'paas releases lists them' });
  return `v${m[1]}`;
}

export interface RollbackPlan {
  active: ReleaseRow;
  target: ReleaseRow;
  /** Data services the active release's spec names and the target's does not. */
  addedDataServices: string[];
}

/**
 * Which release a rollback reactivates, checked before anything changes:
 * `to`, or the newest release before the active one that served. Its images
 * must still be there (RELEASE_IMAGES_GONE otherwise). Returns null when the
 * target is the active release itself (nothing to do).
 */
export async function planRollback(
  store: Store,
  runtime: Runtime,
  keepReleases: number,
  app: string,
  to: string | undefined,
): Promise<RollbackPlan | { active: ReleaseRow; target: null }> {
  const active = await store.getActiveRelease(app);
  if (!active) throw new PaasError('NO_RELEASE', `${app} has no release yet`, { hint: 'paas push first' });
  let target: ReleaseRow | null;
  if (to === undefined) {
    const releases = await store.listReleases(app);
    target = releases.find((r) => r.version < active.version && r.status === 'superseded') ?? null;
    if (!target) throw new PaasError('RELEASE_NOT_FOUND', `${app} has no release before ${active.id} to roll back to`, { hint: 'paas releases lists them' });
  } else {
    const id = releaseId(to);
    target = await store.getRelease(app, id);
    if (!target) throw new PaasError('RELEASE_NOT_FOUND', `${app} has no release ${id}`, { hint: 'paas releases lists them' });
  }
  if (target.id === active.id) return { active, target: null };
  if (target.status === 'pending') throw new PaasError('DEPLOY_LOCKED', `${target.id} is being deployed right now`);
  const hint = 'images of the newest PAAS_KEEP_RELEASES releases (default 10) are kept: pick a newer one from paas releases, or push that code again';
  // Decided by the pruning rule, not by what the engine still has: images outside it may be being removed right now.
  if (!isKept(target, await store.listReleases(app), keepReleases)) {
    throw new PaasError('RELEASE_IMAGES_GONE', `${target.id} is older than the newest ${keepReleases} releases: its images were pruned; ${app} cannot roll back to it`, { hint });
  }
  const gone: string[] = [];
  for (const [service, image] of Object.entries(target.images)) {
    if (runtime.imageContent && (await runtime.imageContent(image)) === null) gone.push(service);
  }
  if (gone.length > 0) {
    throw new PaasError('RELEASE_IMAGES_GONE', `the image${gone.length === 1 ? '' : 's'} of ${gone.join(', ')} in ${target.id} ${gone.length === 1 ? 'was' : 'were'} pruned; ${app} cannot roll back to it`, {
      hint,
    });
  }
  const dataIn = (r: ReleaseRow): string[] => Object.values(r.spec.services).filter((s) => s.kind === 'data').map((s) => s.name);
  const before = new Set(dataIn(target));
  return { active, target, addedDataServices: dataIn(active).filter((n) => !before.has(n)) };
}

export interface RollbackInput {
  app: string;
  actor: string;
  plan: RollbackPlan;
  emit: Emit;
  unlock: Release;
  background: (work: Promise<unknown>) => void;
}

/**
 * `paas rollback [vN]`: a new release with vN's images, env and spec, rolled
 * out health-gated; the app env becomes vN's, so the next push keeps it.
 */
export async function rollback(deps: RollOutDeps, input: RollbackInput): Promise<ReleaseRow> {
  const { app, emit } = input;
  const { target, addedDataServices } = input.plan;
  if (addedDataServices.length > 0) {
    emit({
      type: 'warning',
      message: `data services added after ${target.id} keep running with their data, but ${target.id}'s instances get no variables for them: ${addedDataServices.join(', ')}`,
    });
  }
  emit({ type: 'log', line: `rolling back to ${target.id} (${target.cause.kind === 'push' ? `build ${target.buildId}` : `images of build ${target.buildId}`})` });
  const release = await rollOut(deps, {
    app,
    actor: input.actor,
    buildId: target.buildId,
    spec: target.spec,
    images: target.images,
    env: target.env,
    cause: { kind: 'rollback', to: target.id },
    emit,
    activated: async () => {
      await deps.store.replaceAppEnv(app, target.env);
    },
    unlock: input.unlock,
    background: input.background,
  });
  await deps.store.addEvent({ app, actor: input.actor, action: 'rollback', detail: { to: target.id, release: release.id } });
  emit(doneEvent(deps, release));
  return release;
}
