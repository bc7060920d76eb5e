import type { InstanceSpec } from './types.js';

/** Labels the scheduler finds instances by; see docs/architecture.md. */
export const LABEL = {
  app: 'paas.app',
  service: 'paas.service',
  release: 'paas.release',
  instance: 'paas.instance',
  managed: 'paas.managed',
} as const;

export function networkName(app: string): string {
  return `paas-${app}`;
}

export function containerName(spec: Pick<InstanceSpec, 'app' | 'service' | 'release' | 'index'>): string {
  return `paas-${spec.app}-${spec.service}-${spec.release}-${spec.index}`;
}

/** "www.1": how users name an instance (`paas logs www.1`). */
export function instanceName(service: string, index: number): string {
  return `${service}.${index}`;
}
