import type { Platform } from '../platform.js';

/** Removes everything of an app: routes first (so nothing is routed to a dying instance), then containers, network, images, rows. */
export async function destroyApp(p: Platform, app: string): Promise<void> {
  await p.routes.update((routes) => p.routes.removeApp(routes, app));
  const instances = await p.runtime.listInstances({ app });
  await Promise.all(instances.map((i) => p.runtime.stopInstance(i.id, 2_000)));
  await p.runtime.removeNetwork(app);
  await p.runtime.removeAppImages(app);
  await p.store.deleteApp(app);
}
