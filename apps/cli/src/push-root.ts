import { relative, resolve, sep } from 'node:path';
import { findLink, linkRoot, resolveApp } from './link.js';

export interface PushRoot {
  /** The directory to pack. */
  root: string;
  app: string;
  /** Set when the push goes up from a subfolder of the linked directory: that subfolder, relative to root. */
  subfolder?: string;
}

/**
 * What `paas push [DIR]` packs. DIR given: DIR. Otherwise the directory
 * holding the link (`.paas/app.json`) found in cwd or its parents, even from
 * a subfolder, since only that root holds the app's paas.yml; an --app naming
 * another app than the link's leaves the link out of it and packs cwd.
 */
export async function choosePushRoot(cwd: string, dir: string | undefined, appOption: string | undefined): Promise<PushRoot> {
  if (dir !== undefined) {
    const root = resolve(cwd, dir);
    return { root, app: await resolveApp(appOption, root) };
  }
  const link = await findLink(cwd);
  if (link !== undefined && (appOption === undefined || appOption === link.app)) {
    const root = linkRoot(link.file);
    const here = resolve(cwd);
    return root === here ? { root, app: link.app } : { root, app: link.app, subfolder: relative(root, here) + sep };
  }
  return { root: resolve(cwd), app: await resolveApp(appOption, cwd) };
}
