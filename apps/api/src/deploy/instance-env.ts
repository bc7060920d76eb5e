import type { CodeService } from '@paas/core';
import { typeInstanceEnv } from '@paas/builders';

/** Container port of an instance's first port; later ports count up from it. */
export const FIRST_CONTAINER_PORT = 8080;

/** Port name → container port, in the spec's order. */
export function containerPorts(service: CodeService): Record<string, number> {
  const out: Record<string, number> = {};
  Object.keys(service.ports).forEach((name, i) => {
    out[name] = FIRST_CONTAINER_PORT + i;
  });
  return out;
}

/** The container port the router targets, or undefined for workers. */
export function httpPort(service: CodeService): number | undefined {
  if (service.isWorker) return undefined;
  const ports = containerPorts(service);
  const name = Object.keys(service.ports).find((n) => service.ports[n] === 'http');
  return name === undefined ? undefined : ports[name];
}

/** Ports published on 127.0.0.1: http and tcp (udp is not proxied). */
export function publishedPorts(service: CodeService): number[] {
  const ports = containerPorts(service);
  return Object.keys(service.ports)
    .filter((n) => service.ports[n] !== 'udp')
    .map((n) => ports[n]!);
}

export interface InstanceEnvInput {
  app: string;
  service: CodeService;
  release: string;
  index: number;
  /** App-wide variables (`paas env set`), which override the spec's. */
  appEnv?: Record<string, string>;
  /** The app's data services (DB_URL, DATABASE_URL, DOTCLOUD_DB_SQL_HOST …); the spec and app env may override them. */
  serviceEnv?: Record<string, string>;
}

/**
 * What a running instance sees (spec.md "What a running instance sees").
 * Platform variables come last: an app cannot break its own routing by
 * setting PORT.
 */
export function instanceEnv({ app, service, release, index, appEnv = {}, serviceEnv = {} }: InstanceEnvInput): Record<string, string> {
  // The type's defaults first (PYTHONUNBUFFERED=1 …), then the data services: the app may override both.
  const env: Record<string, string> = { ...typeInstanceEnv(service.type), ...serviceEnv, ...service.environment, ...appEnv };
  const ports = containerPorts(service);
  const first = httpPort(service) ?? Object.values(ports)[0];
  if (first !== undefined) env.PORT = String(first);
  for (const [name, port] of Object.entries(ports)) env[`PORT_${name.toUpperCase()}`] = String(port);
  env.PAAS_APP = app;
  env.PAAS_SERVICE = service.name;
  env.PAAS_INSTANCE = `${service.name}.${index}`;
  env.PAAS_RELEASE = release;
  // The default servers end a worker stuck past it (assets/wsgi-server.ts, assets/run-node.ts).
  if (service.requestTimeout !== undefined && !service.isWorker) env.PAAS_REQUEST_TIMEOUT = String(service.requestTimeout);
  env.DOTCLOUD_PROJECT = app;
  env.DOTCLOUD_SERVICE_NAME = service.name;
  env.DOTCLOUD_SERVICE_ID = String(index - 1);
  return env;
}
