import type { ServiceSpec } from '../spec-types.js';

const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;

/**
 * The line `paas validate` prints per service, e.g.
 * `www: python, approot web, 2 instances, ports www/http, 2 system packages`.
 */
export function describeService(s: ServiceSpec): string {
  const parts: string[] = [s.type];
  if (s.kind === 'data') {
    parts.push('data');
    if (s.approot !== undefined && s.approot !== '.') parts.push(`approot ${s.approot}`);
    return `${s.name}: ${parts.join(', ')}`;
  }
  if (s.approot !== '.') parts.push(`approot ${s.approot}`);
  parts.push(plural(s.instances, 'instance'));
  const ports = Object.entries(s.ports).map(([name, proto]) => `${name}/${proto}`);
  parts.push(ports.length > 0 ? `ports ${ports.join(' ')}` : 'no ports');
  if (s.isWorker && !s.type.endsWith('-worker')) parts.push('worker');
  if (s.processes !== undefined) parts.push(`processes ${Object.keys(s.processes).join(' ')}`);
  if (s.buildscript !== undefined) parts.push(`buildscript ${s.buildscript}`);
  if (s.dockerfile !== undefined) parts.push(`dockerfile ${s.dockerfile}`);
  if (s.systempackages.length > 0) parts.push(plural(s.systempackages.length, 'system package'));
  return `${s.name}: ${parts.join(', ')}`;
}
