import { isWebService, type CodeService, type RouteEntry, type RouteTarget } from '@paas/core';
import type { InstanceState } from '../runtime/types.js';
import { hostnamesFor } from '../route-table.js';
import { httpPort } from './instance-env.js';

/** Hostname → entry for every web service of an app, from its running instances. */
export function routesForApp(
  app: string,
  services: CodeService[],
  instances: Map<string, InstanceState[]>,
  domain: string,
): Map<string, RouteEntry> {
  const out = new Map<string, RouteEntry>();
  const web = services.filter(isWebService);
  web.forEach((service, i) => {
    const targets = (instances.get(service.name) ?? [])
      .map((inst) => toTarget(app, service, inst))
      .filter((t): t is RouteTarget => t !== undefined)
      .sort((a, b) => a.id.localeCompare(b.id));
    const timeout = service.requestTimeout === undefined ? {} : { timeoutMs: Math.round(service.requestTimeout * 1000) };
    for (const host of hostnamesFor(app, service.name, i === 0, domain)) {
      out.set(host, { app, service: service.name, targets, ...timeout });
    }
  });
  return out;
}

export function appUrl(app: string, domain: string, routerPort: number): string {
  return `http://${app}.${domain}${routerPort === 80 ? '' : `:${routerPort}`}`;
}

/** The router's id of an instance: unique per start, since a restarted www.1 is a new instance with the same name. */
export function targetId(app: string, i: Pick<InstanceState, 'service' | 'release' | 'index' | 'id'>): string {
  return `${app}.${i.service}.${i.release}.${i.index}.${i.id.slice(0, 12)}`;
}

export function toTarget(app: string, service: CodeService, i: InstanceState): RouteTarget | undefined {
  const port = httpPort(service);
  const address = port === undefined ? undefined : i.addresses[port];
  if (address === undefined || !i.running) return undefined;
  return { id: targetId(app, i), host: address.host, port: address.port };
}

