import { PaasError } from '@paas/core';
import type { Platform } from '../platform.js';

/**
 * Removes everything of an app, in order: routes first (so nothing is
 * routed to a dying instance), then instances, data services with their
 * volumes, network, images, and the
 * rows last. Every step is idempotent; when one fails, the rows stay, the
 * error says what remains, and running destroy again finishes the job
 * (reliability 41).
 */
export async function destroyApp(p: Pick<Platform, 'routes' | 'runtime' | 'store' | 'certificates'>, app: string): Promise<void> {
  const remains: string[] = [];
  const step = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      remains.push(`${what} (${(err as Error).message})`);
    }
  };
  await step('its routes', () => p.routes.setApp(app, new Map()));
  await step('its instances', async () => {
    const instances = await p.runtime.listInstances({ app });
    await Promise.all(instances.map((i) => p.runtime.stopInstance(i.id, 2_000)));
    const left = await p.runtime.listInstances({ app });
    if (left.length > 0) throw new Error(`${left.length} still there`);
  });
  await step('its data services and their volumes', async () => {
    const names = new Set([
      ...(await p.store.listDataServices(app)).map((d) => d.name),
      ...(await p.runtime.listDataServices(app)).map((d) => d.service),
    ]);
    await Promise.all([...names].map((name) => p.runtime.removeDataService(app, name, { volume: true })));
  });
  await step('its network', () => p.runtime.removeNetwork(app));
  await step('its images', () => p.runtime.removeAppImages(app));
  if (remains.length > 0) {
    throw new PaasError('DESTROY_INCOMPLETE', `${app} was not removed completely; what remains: ${remains.join('; ')}`, {
      hint: `fix the cause (often: the Docker Engine is not answering), then run paas destroy ${app} again`,
    });
  }
  await p.store.deleteApp(app);
  // Its domains went with the rows (cascade): the router forgets them, and a new app of that name starts with none.
  await p.routes.refreshEdges(app).catch(() => undefined);
  p.certificates?.domainsChanged(app);
}
