import { homedir } from 'node:os';
import { join } from 'node:path';
import { PaasError } from '@paas/core';

/**
 * Everything the CLI takes from its environment. This is the only module that
 * reads process.env (style.md 9); the rest of the CLI gets a Config.
 */
export interface Config {
  /** Data directory of the CLI and of a local platform (PAAS_HOME, default ~/.paas). */
  home: string;
  /** PAAS_API_URL: overrides the API saved by `paas login`. */
  apiUrl: string | undefined;
  /** PAAS_TOKEN: overrides the token saved by `paas login`. */
  token: string | undefined;
  apiHost: string;
  apiPort: number;
  /**
   * PAAS_ROUTER_HOST: the address `paas server start` has the router listen on.
   * Loopback by default: a platform on a laptop serves no one else unless told
   * to (0.0.0.0); the server path (install.sh --server) sets 0.0.0.0 itself.
   */
  routerHost: string;
  routerPort: number;
  routerControlPort: number;
  /** PAAS_ROUTER_TOKEN when the operator chose one; otherwise `paas server start` generates it. */
  routerToken: string | undefined;
  routerWorkers: string | undefined;
  /** PAAS_DOMAIN: apps are served at <app>.<domain>; only shown by the CLI, the API decides. */
  domain: string;
  /** NO_COLOR set (any value) disables colour; FORCE_COLOR (not "0") enables it even off a TTY. */
  noColor: boolean;
  forceColor: boolean;
  /** PATH, where `paas open` looks for the browser opener (xdg-open, open). */
  searchPath: string;
  /** DISPLAY or WAYLAND_DISPLAY is set: a browser can be shown (X11/Wayland systems). */
  hasDisplay: boolean;
  /** A copy of the environment, passed through to the server processes `paas server start` spawns. */
  env: Record<string, string | undefined>;
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  // A bad port here would only surface later as a confusing connect error.
  if (!/^\d+$/.test(raw) || n < 1 || n > 65535) throw new PaasError('USAGE', `${name} must be a port number from 1 to 65535, got ${JSON.stringify(raw)}`);
  return n;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** Colour settings alone: they are needed to print an error in the configuration itself. */
export function readColorSettings(env: NodeJS.ProcessEnv = process.env): Pick<Config, 'noColor' | 'forceColor'> {
  return {
    noColor: env.NO_COLOR !== undefined && env.NO_COLOR !== '',
    forceColor: env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false',
  };
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const routerPort = port(env, 'PAAS_ROUTER_PORT', 8080);
  return {
    home: nonEmpty(env.PAAS_HOME) ?? join(homedir(), '.paas'),
    apiUrl: nonEmpty(env.PAAS_API_URL)?.replace(/\/+$/, ''),
    token: nonEmpty(env.PAAS_TOKEN),
    apiHost: nonEmpty(env.PAAS_API_HOST) ?? '127.0.0.1',
    apiPort: port(env, 'PAAS_API_PORT', 7700),
    routerHost: nonEmpty(env.PAAS_ROUTER_HOST) ?? '127.0.0.1',
    routerPort,
    routerControlPort: port(env, 'PAAS_ROUTER_CONTROL_PORT', routerPort + 1),
    routerToken: nonEmpty(env.PAAS_ROUTER_TOKEN),
    routerWorkers: nonEmpty(env.PAAS_ROUTER_WORKERS),
    domain: nonEmpty(env.PAAS_DOMAIN) ?? 'localhost',
    ...readColorSettings(env),
    searchPath: env.PATH ?? '',
    hasDisplay: nonEmpty(env.DISPLAY) !== undefined || nonEmpty(env.WAYLAND_DISPLAY) !== undefined,
    env: { ...env },
  };
}
