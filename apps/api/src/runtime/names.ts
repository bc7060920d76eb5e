import { randomBytes } from 'node:crypto';
import type { InstanceSpec } from './types.js';

/** Labels the scheduler finds instances by; see docs/architecture.md. */
export const LABEL = {
  /** The platform's own id (PAAS_HOME/platform-id): two platforms on one engine never see each other's objects. */
  platform: 'paas.platform',
  app: 'paas.app',
  service: 'paas.service',
  release: 'paas.release',
  instance: 'paas.instance',
  managed: 'paas.managed',
  /** One-off containers of `paas run` (not instances: the scheduler ignores them). */
  oneOff: 'paas.oneoff',
  /** Data service containers and volumes: the value is the type (not instances: the scheduler ignores them). */
  data: 'paas.data',
} as const;

/** One container and one volume per data service, under stable names. */
export function dataServiceName(platform: string, app: string, service: string): string {
  return `paas-${platform}-${app}-${service}-data`;
}

export function networkName(platform: string, app: string): string {
  return `paas-${platform}-${app}`;
}

/** Unique per start: a restarted www.1 of the same release gets a new name. */
export function containerName(platform: string, spec: Pick<InstanceSpec, 'app' | 'service' | 'release' | 'index'>): string {
  return `paas-${platform}-${spec.app}-${spec.service}-${spec.release}-${spec.index}-${randomBytes(3).toString('hex')}`;
}

/** "www.1": how users name an instance (`paas logs www.1`). */
export function instanceName(service: string, index: number): string {
  return `${service}.${index}`;
}
