import type { CodeType, HealthCheck, PortProtocol } from '../spec-types.js';

/** Used when `healthcheck` or one of its keys is left out. */
export const DEFAULT_HEALTHCHECK: Readonly<HealthCheck> = { path: '/', timeout: 30, interval: 1 };
export const DEFAULT_INSTANCES = 1;
export const MAX_INSTANCES = 64;
/** A deploy holds the app's lock while waiting; an hour is already generous. */
export const MAX_HEALTH_TIMEOUT = 3600;
/** dotCloud's custom services run what the build script left in ~. */
export const CUSTOM_DEFAULT_PROCESS = '~/run';

/** Web types answer HTTP on `www` unless they say otherwise; the rest have no ports. */
const DEFAULT_PORTS: Partial<Record<CodeType, Record<string, PortProtocol>>> = {
  python: { www: 'http' },
  nodejs: { www: 'http' },
  static: { www: 'http' },
  php: { www: 'http' },
  ruby: { www: 'http' },
  perl: { www: 'http' },
  java: { www: 'http' },
};

export function defaultPorts(type: CodeType): Record<string, PortProtocol> {
  return { ...(DEFAULT_PORTS[type] ?? {}) };
}

/** `*-worker` types, and any service without an http port, are checked by "still running". */
export function isWorkerService(type: CodeType, ports: Record<string, PortProtocol>): boolean {
  return type.endsWith('-worker') || !Object.values(ports).includes('http');
}
