import type { AppSpec, CodeService, ServiceSpec } from '../spec-types.js';

/** A service the router serves at the app's URL: code, not a worker, with an http port. */
export function isWebService(s: ServiceSpec): s is CodeService {
  return s.kind === 'code' && !s.isWorker && Object.values(s.ports).includes('http');
}

/** False for an app of workers and data services only: its URL would answer 404. */
export function hasWebService(spec: AppSpec): boolean {
  return Object.values(spec.services).some(isWebService);
}
