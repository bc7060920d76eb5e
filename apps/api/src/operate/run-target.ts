import { PaasError, type RunRequest } from '@paas/core';
import type { Deployer } from '../deploy/deployer.js';
import type { Provisioner } from '../provision/provisioner.js';
import { instanceEnv } from '../deploy/instance-env.js';
import { serviceLimits } from '../deploy/limits.js';
import type { InstanceSpec, InstanceState, Runtime } from '../runtime/types.js';
import type { Store } from '../store/types.js';
import { activeRelease } from './scale-app.js';

/** Where `paas run` starts its process: in a running instance, or in a one-off container. */
export type RunTarget =
  | { kind: 'instance'; id: string; name: string }
  /** A data service's container: the process (argv, user, admin login in env) is the provisioner's. */
  | { kind: 'data'; id: string; name: string; argv: string[]; user: string; env: Record<string, string> }
  | { kind: 'one-off'; spec: InstanceSpec; name: string };

/**
 * dotCloud's `run`: a login shell (bash when the image has it). `-l` reads
 * ~/.profile, as a shell on the instance would.
 */
export const LOGIN_SHELL = ['sh', '-c', 'if command -v bash >/dev/null 2>&1; then exec bash -l; fi; exec sh -l'];

/**
 * Picks the target of a run before the WebSocket upgrade, so that an unknown
 * service or instance is a plain 404. www.N must run; plain `www` takes the
 * first running instance (of the active release first), and a code service
 * with none running gets a one-off container of the active release, with the
 * environment of an index no instance has, and the service's limits.
 */
export async function resolveRunTarget(
  deps: { store: Store; runtime: Runtime; deployer: Pick<Deployer, 'opts'>; provisioner: Pick<Provisioner, 'runTarget'> },
  app: string,
  req: Pick<RunRequest, 'service' | 'index' | 'argv'>,
): Promise<RunTarget> {
  if (await deps.store.getDataService(app, req.service)) {
    if (req.index !== undefined && req.index !== 1) {
      throw new PaasError('INSTANCE_NOT_FOUND', `${req.service}.${req.index} does not exist`, { hint: `a data service has one instance: paas run ${req.service}` });
    }
    const t = await deps.provisioner.runTarget(app, req.service, req.argv);
    return { kind: 'data', id: t.id, name: req.service, argv: t.argv, user: t.user, env: t.env };
  }
  const release = await activeRelease(deps.store, app);
  const service = release.spec.services[req.service];
  if (service === undefined) {
    const names = Object.keys(release.spec.services).join(', ');
    throw new PaasError('SERVICE_NOT_FOUND', `${app} has no service named ${req.service}`, { hint: `its services are: ${names || '(none)'}` });
  }
  const instances = await deps.runtime.listInstances({ app, service: req.service });
  const running = instances
    .filter((i) => i.running)
    .sort((a, b) => Number(b.release === release.id) - Number(a.release === release.id) || a.index - b.index);
  if (req.index !== undefined) {
    const found = running.find((i) => i.index === req.index);
    if (!found) throw instanceNotFound(req.service, req.index, running, service.kind === 'code');
    return { kind: 'instance', id: found.id, name: `${req.service}.${req.index}` };
  }
  const first = running[0];
  if (first) return { kind: 'instance', id: first.id, name: `${req.service}.${first.index}` };
  if (service.kind === 'data') {
    throw new PaasError('SERVICE_NOT_PROVISIONED', `${req.service} (${service.type}) has not been created yet`, {
      hint: 'paas push creates the data services its spec names, before the code services deploy',
    });
  }
  const image = release.images[req.service];
  if (image === undefined) {
    throw new PaasError('INSTANCE_NOT_FOUND', `no instance of ${req.service} is running`, { hint: 'paas info shows what runs' });
  }
  const scale = (await deps.store.getScale(app))[req.service] ?? 0;
  const index = Math.max(scale, ...instances.map((i) => i.index), 0) + 1;
  const { limits, labels } = deps.deployer.opts;
  return {
    kind: 'one-off',
    name: `${req.service}.${index}`,
    spec: {
      app,
      service: req.service,
      release: release.id,
      index,
      image,
      env: instanceEnv({
        app, service, release: release.id, index, appEnv: release.env,
        serviceEnv: deps.deployer.opts.serviceEnv ? await deps.deployer.opts.serviceEnv(app, release.spec) : {},
      }),
      ports: [],
      limits: serviceLimits(service, limits),
      labels,
    },
  };
}

function instanceNotFound(service: string, index: number, running: InstanceState[], canOneOff: boolean): PaasError {
  const names = running.map((i) => `${service}.${i.index}`);
  const hint =
    names.length > 0 ? `running now: ${names.join(', ')}`
    : canOneOff ? `no instance of ${service} runs; paas run ${service} starts a one-off container`
    : `no instance of ${service} runs; paas info shows what runs`;
  return new PaasError('INSTANCE_NOT_FOUND', `${service}.${index} is not running`, { hint });
}
