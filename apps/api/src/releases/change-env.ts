import { applyEnvChange, sameEnv, type EnvChange } from '@paas/core';
import type { Emit } from '../deploy/deployer.js';
import type { Release } from '../locks.js';
import { doneEvent, rollOut, type RollOutDeps } from './roll-out.js';

export interface EnvChangeInput {
  app: string;
  actor: string;
  change: EnvChange;
  emit: Emit;
  /** The app's lock, already held by the caller. */
  unlock: Release;
  background: (work: Promise<unknown>) => void;
}

/**
 * `paas env set|unset` with a deploy: a new release with the active one's
 * images and spec and the app env after the change, rolled out health-gated.
 * The app env is stored only once that release is active, so a release that
 * fails changes nothing. With no release yet, the change is only stored.
 * A change that leaves the active release's env as it is makes no release.
 */
export async function changeEnv(deps: RollOutDeps, input: EnvChangeInput): Promise<void> {
  const { store } = deps;
  const { app, change, emit } = input;
  const names = { set: Object.keys(change.set), unset: change.unset };
  const active = await store.getActiveRelease(app);
  if (!active) {
    await store.updateAppEnv(app, change.set, change.unset);
    await store.addEvent({ app, actor: input.actor, action: 'env', detail: names });
    emit({ type: 'env.stored', ...names, note: `${app} has no release yet: the first push uses it` });
    return;
  }
  const env = applyEnvChange(await store.getAppEnv(app), change);
  if (sameEnv(env, active.env)) {
    // Stored anyway: the app env may differ from the active release's (a change staged with --no-deploy, then undone).
    await store.updateAppEnv(app, change.set, change.unset);
    emit(doneEvent(deps, active, `nothing changed: ${active.id} keeps serving`));
    return;
  }
  emit({ type: 'log', line: `env ${[names.set.length ? `set ${names.set.join(', ')}` : '', names.unset.length ? `unset ${names.unset.join(', ')}` : ''].filter(Boolean).join('; ')}: a new release of ${active.id}'s images` });
  const release = await rollOut(deps, {
    app,
    actor: input.actor,
    buildId: active.buildId,
    spec: active.spec,
    images: active.images,
    env,
    cause: { kind: 'env', ...names },
    emit,
    activated: async () => {
      await store.updateAppEnv(app, change.set, change.unset);
    },
    unlock: input.unlock,
    background: input.background,
  });
  await store.addEvent({ app, actor: input.actor, action: 'env', detail: { ...names, release: release.id } });
  emit(doneEvent(deps, release));
}
