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
 * under the app's lock (a push holding it builds an image no release names
 * yet); the removal itself runs after the lock is released, so the next
 * push, env change or rollback never waits for the engine's rmi. An image
 * built after the list was taken is not on it. Skipped when another
 * operation keeps the lock; the next release prunes.
 */
export async function pruneUnderLock(deps: PruneDeps, app: string): Promise<void> {
  // Waits briefly: a control-loop pass (woken by the retired containers' events) holds the lock for milliseconds.
  const release = await deps.locks.acquire(app, 'image pruning').catch(() => null);
  if (!release) return;
  let remove: string[] = [];
  try {
    const keep = imagesToKeep(await deps.store.listReleases(app), deps.keepReleases);
    // An app with no release that served keeps its images (nothing to compare with yet).
    if (keep.length === 0) return;
    const { runtime } = deps;
    if (!runtime.listAppImages || !runtime.removeImages) {
      await runtime.removeAppImages(app, keep);
      return;
    }
    const kept = new Set(keep);
    remove = (await runtime.listAppImages(app)).filter((id) => !kept.has(id));
  } finally {
    await release();
  }
  if (remove.length > 0) await deps.runtime.removeImages?.(remove);
}
