import type { AppLocks } from '../locks.js';
import type { Runtime } from '../runtime/types.js';
import type { ReleaseRow, Store } from '../store/types.js';

/**
 * Image ids a rollback may still need: those of the newest `keep` releases
 * that served (active or superseded), the active one always among them. An
 * image shared by several releases (an env change or a rollback reuses its
 * release's images) is kept as long as one of them is; images of failed
 * releases and of older ones go.
 */
export function imagesToKeep(releases: readonly ReleaseRow[], keep: number): string[] {
  const served = releases
    .filter((r) => r.status === 'active' || r.status === 'superseded')
    .sort((a, b) => b.version - a.version);
  const kept = served.slice(0, Math.max(1, keep));
  const active = served.find((r) => r.status === 'active');
  if (active && !kept.includes(active)) kept.push(active);
  return [...new Set(kept.flatMap((r) => Object.values(r.images)))];
}

/** Whether a release's images are all still kept by the pruning rule (it may be rolled back to). */
export function isKept(release: ReleaseRow, releases: readonly ReleaseRow[], keep: number): boolean {
  const kept = new Set(imagesToKeep(releases, keep));
  return Object.values(release.images).every((id) => kept.has(id));
}

export interface PruneDeps {
  store: Store;
  runtime: Runtime;
  locks: AppLocks;
  keepReleases: number;
}

/**
 * Removes the app's images that no kept release names. Which ones is decided
 * under the app's lock, as housekeeping (a push holding the lock builds an
 * image no release names yet; an operation arriving meanwhile waits for the
 * listing, AppLocks.housekeep); the removal itself runs after the lock is
 * released, so the next push, env change or rollback never waits for the
 * engine's rmi. An image built after the list was taken is not on it.
 * While a control-loop pass holds the lock (woken by the retired
 * containers' events) it tries again shortly; while an operation holds it,
 * it gives up and the next release prunes.
 */
export async function pruneUnderLock(deps: PruneDeps, app: string): Promise<void> {
  const { runtime } = deps;
  let remove: string[] | undefined;
  const list = async (): Promise<void> => {
    const keep = imagesToKeep(await deps.store.listReleases(app), deps.keepReleases);
    remove = [];
    // An app with no release that served keeps its images (nothing to compare with yet).
    if (keep.length === 0) return;
    if (!runtime.listAppImages || !runtime.removeImages) {
      await runtime.removeAppImages(app, keep);
      return;
    }
    const kept = new Set(keep);
    remove = (await runtime.listAppImages(app)).filter((id) => !kept.has(id));
  };
  for (let attempt = 0; attempt < PRUNE_ATTEMPTS && remove === undefined; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, PRUNE_RETRY_MS));
    await deps.locks.housekeep(app, list);
  }
  if (remove !== undefined && remove.length > 0) await runtime.removeImages?.(remove);
}

/** About 5 s of retries: longer than a control-loop pass, shorter than a push. */
const PRUNE_ATTEMPTS = 20;
const PRUNE_RETRY_MS = 250;
