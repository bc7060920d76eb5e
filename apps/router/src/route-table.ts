import type { RouteTable, RouteTarget } from '@paas/core';

/** Checks an untrusted body is a RouteTable; returns the problem's path and message, or null. */
export function findTableProblem(value: unknown): { path: string; message: string } | null {
  if (!isObject(value)) return { path: '', message: 'must be an object' };
  const { version, routes } = value;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) {
    return { path: 'version', message: 'must be a whole number ≥ 0' };
  }
  if (!isObject(routes)) return { path: 'routes', message: 'must be an object' };
  for (const [host, entry] of Object.entries(routes)) {
    const at = `routes.${host}`;
    if (!isRouteHost(host)) return { path: at, message: 'must be a lower-case host name without port, or *.domain.tld' };
    if (!isObject(entry)) return { path: at, message: 'must be an object' };
    if (entry.httpsRedirect !== undefined && typeof entry.httpsRedirect !== 'boolean') return { path: `${at}.httpsRedirect`, message: 'must be a boolean' };
    const hsts = entry.hstsMaxAge;
    if (hsts !== undefined && (typeof hsts !== 'number' || !Number.isSafeInteger(hsts) || hsts < 0 || hsts > maxHstsSeconds)) {
      return { path: `${at}.hstsMaxAge`, message: `must be a whole number of seconds from 0 to ${maxHstsSeconds}` };
    }
    const timeout = entry.timeoutMs;
    if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isSafeInteger(timeout) || timeout < 1 || timeout > maxTimeoutMs)) {
      return { path: `${at}.timeoutMs`, message: `must be a whole number of ms from 1 to ${maxTimeoutMs}` };
    }
    if (typeof entry.app !== 'string' || entry.app === '') return { path: `${at}.app`, message: 'must be a non-empty string' };
    if (typeof entry.service !== 'string' || entry.service === '') return { path: `${at}.service`, message: 'must be a non-empty string' };
    if (!Array.isArray(entry.targets)) return { path: `${at}.targets`, message: 'must be an array' };
    for (const [i, t] of (entry.targets as unknown[]).entries()) {
      const tp = `${at}.targets.${i}`;
      if (!isObject(t)) return { path: tp, message: 'must be an object' };
      if (typeof t.id !== 'string' || t.id === '' || t.id.length > 256) return { path: `${tp}.id`, message: 'must be a non-empty string' };
      if (typeof t.host !== 'string' || !/^[A-Za-z0-9.:_-]{1,253}$/.test(t.host)) return { path: `${tp}.host`, message: 'must be a host name or IP address' };
      if (typeof t.port !== 'number' || !Number.isInteger(t.port) || t.port < 1 || t.port > 65535) {
        return { path: `${tp}.port`, message: 'must be a port from 1 to 65535' };
      }
    }
  }
  return null;
}

/** A copy holding only the contract's fields, so what is saved and served is exactly what was checked. */
export function normalizeTable(table: RouteTable): RouteTable {
  const routes: RouteTable['routes'] = {};
  for (const [host, e] of Object.entries(table.routes)) {
    routes[host] = {
      app: e.app,
      service: e.service,
      targets: e.targets.map((t): RouteTarget => ({ id: t.id, host: t.host, port: t.port })),
    };
    if (e.httpsRedirect === true) routes[host]!.httpsRedirect = true;
    if (e.hstsMaxAge !== undefined) routes[host]!.hstsMaxAge = e.hstsMaxAge;
    if (e.timeoutMs !== undefined) routes[host]!.timeoutMs = e.timeoutMs;
  }
  return { version: table.version, routes };
}

export const emptyTable: RouteTable = Object.freeze({ version: 0, routes: Object.freeze({}) }) as RouteTable;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An hour, as the spec's request_timeout allows. */
const maxTimeoutMs = 3_600_000;

/** Ten years: longer is a typo, not a policy. */
const maxHstsSeconds = 10 * 365 * 24 * 3600;

export function isHostName(host: string): boolean {
  return host.length > 0 && host.length <= 253 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(host);
}

/**
 * An exact host name, or `*.` in front of a name of two labels or more: the
 * wildcard stands for exactly one label. `*`, `*.com` and `a.*.com` are refused.
 */
export function isRouteHost(host: string): boolean {
  if (host.startsWith('*.')) {
    const rest = host.slice(2);
    return rest.includes('.') && isHostName(rest);
  }
  return isHostName(host);
}
