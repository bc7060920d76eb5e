import { PaasError } from '@paas/core';
import type { Deployer, Emit } from '../deploy/deployer.js';
import type { Store } from '../store/types.js';
import { activeRelease, codeService } from './scale-app.js';

/**
 * `paas restart www` (or `www.2`): rolling and health-gated, one instance
 * at a time: a fresh instance with the same number starts and becomes
 * healthy, the router swaps the two at once, the old one is drained and
 * stopped. The service never has fewer healthy instances than before. The
 * caller holds the app's lock.
 */
export async function restartService(store: Store, deployer: Deployer, app: string, serviceName: string, index: number | undefined, emit: Emit): Promise<Record<string, number>> {
  const release = await activeRelease(store, app);
  const service = codeService(release, serviceName, 'SERVICE_NOT_FOUND');
  const scale = await store.getScale(app);
  const want = scale[service.name] ?? service.instances;
  const current = (await deployer.runtime.listInstances({ app, service: service.name })).filter(
    (i) => i.release === release.id && i.index >= 1 && i.index <= want,
  );
  const targets = current.filter((i) => index === undefined || i.index === index).sort((a, b) => a.index - b.index);
  if (index !== undefined && targets.length === 0) {
    throw new PaasError('INSTANCE_NOT_FOUND', `${service.name}.${index} does not run`, { hint: 'paas ps lists the instances' });
  }
  emit({ type: 'deploy.step', service: service.name, step: `Restarting ${targets.map((i) => `${i.service}.${i.index}`).join(', ') || `${service.name} (nothing runs)`}` });
  for (const old of targets) {
    const c = await deployer.convergeService(release, service, want, { emit, replace: new Set([old.id]), parallel: 1 });
    await deployer.switchRoutes(release, new Map([[service.name, [...c.kept, ...c.started]]]));
    await deployer.retire(app, c.retire);
  }
  return store.getScale(app);
}
