import { PaasError, type CodeService } from '@paas/core';
import { codeServices, type Deployer, type Emit } from '../deploy/deployer.js';
import type { InstanceState } from '../runtime/types.js';
import type { ReleaseRow, Store } from '../store/types.js';

/** The active release, or NO_RELEASE. */
export async function activeRelease(store: Store, app: string): Promise<ReleaseRow> {
  const release = await store.getActiveRelease(app);
  if (!release) throw new PaasError('NO_RELEASE', `${app} has no release yet`, { hint: 'paas push first' });
  return release;
}

/** The code service of the release named `name`, or the clearest refusal (exit 3 for scale). */
export function codeService(release: ReleaseRow, name: string, code: 'SCALE_INVALID' | 'SERVICE_NOT_FOUND'): CodeService {
  const s = release.spec.services[name];
  if (s === undefined) {
    const names = codeServices(release).map((c) => c.name).join(', ');
    throw new PaasError(code, `${release.app} has no service named ${name}`, { hint: `its code services are: ${names || '(none)'}` });
  }
  if (s.kind !== 'code') {
    throw new PaasError(code, `${name} is a data service (${s.type}); it runs one instance and cannot be scaled or restarted this way`, {
      hint: 'scale code services only, e.g. paas scale www=3',
    });
  }
  return s;
}

/**
 * `paas scale www=3 worker=0`: every service is converged in turn; new
 * instances join the router only once healthy, removed ones are drained,
 * then stopped. The scale is stored once its service got there. The caller
 * holds the app's lock.
 */
export async function scaleApp(store: Store, deployer: Deployer, app: string, wanted: Record<string, number>, emit: Emit): Promise<Record<string, number>> {
  const release = await activeRelease(store, app);
  const services = Object.keys(wanted).map((name) => codeService(release, name, 'SCALE_INVALID'));
  for (const service of services) {
    const want = wanted[service.name]!;
    emit({ type: 'deploy.step', service: service.name, step: `Scaling ${service.name} to ${want}` });
    const c = await deployer.convergeService(release, service, want, { emit });
    const serving: InstanceState[] = [...c.kept, ...c.started];
    await deployer.switchRoutes(release, new Map([[service.name, serving]]));
    await store.setScale(app, service.name, want);
    if (c.retire.length > 0) {
      emit({ type: 'log', service: service.name, line: `draining and stopping ${c.retire.map((i) => `${i.service}.${i.index}`).join(', ')}` });
      await deployer.retire(app, c.retire);
    }
  }
  return store.getScale(app);
}
