import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseSwarmEngines, swarmManagerSetting } from './runtime/swarm-engines.js';
import { parseListenSetting, parseRegistrySetting, type HostPort, type RegistryTarget } from './images/reference.js';
import { poolProblem, type AddressPool } from './runtime/address-pool.js';

/** Everything the API reads from the environment, in one place. */
export interface ApiConfig {
  home: string;
  host: string;
  port: number;
  /** PAAS_API_TRUST_PROXY: addresses of the operator's proxy whose X-Forwarded-Proto the API believes (fastify's trustProxy); unset: none. */
  apiTrustProxy?: string | undefined;
  databaseUrl: string | undefined;
  domain: string;
  routerPort: number;
  routerControlUrl: string;
  routerToken: string;
  /** PAAS_BUILD_CA_FILE: the CA bundle builds trust; the host's by default, none with `none`. */
  buildCaFile: string | undefined;
  buildMemoryBytes: number;
  /** pids.max of each build's RUN steps (build-cgroups.ts). */
  buildPids: number;
  buildCpuShares: number;
  instanceMemoryBytes: number;
  /** CPUs an instance may use unless its service's config says otherwise. */
  instanceCpus: number;
  instancePids: number;
  /** Subnets of app networks: PAAS_NETWORK_POOL=10.208.0.0/12 and PAAS_NETWORK_SIZE=24. */
  networkPool: AddressPool;
  /** Lines of retired instances kept per app for paas logs. */
  logRetainLines: number;
  /** PAAS_HEALTH_CHECKS=off: running instances are not probed (deploys still wait for health). */
  healthChecks: boolean;
  /** PAAS_HEALTH_FAILURES: consecutive failed probes that take an instance out of the router (at least 1). */
  healthFailures: number;
  /** PAAS_HEALTH_INTERVAL_MS: the shortest time between two probes of a running instance (a longer healthcheck.interval wins). */
  healthIntervalMs: number;
  /** Full resync of the control loop, besides the engine's events. */
  resyncIntervalMs: number;
  /** How long a push, scale or restart waits for the app's lock before DEPLOY_LOCKED. */
  lockWaitMs: number;
  drainTimeoutMs: number;
  stopGraceMs: number;
  workerAliveMs: number;
  maxUploadBytes: number;
  maxUploadEntries: number;
  /** An upload that sends nothing for this long is aborted (PAAS_UPLOAD_IDLE_MS; 0: never). */
  uploadIdleMs: number | undefined;
  /** Extra labels put on everything the platform creates (tests use paas.test). */
  labels: Record<string, string>;
  /** Images of data services an operator may name (PAAS_MONGODB_IMAGE). */
  serviceImageEnv: Record<string, string | undefined>;
  /** How long a new data service has to accept its login (PAAS_SERVICE_READY_TIMEOUT_MS). */
  serviceReadyTimeoutMs: number;
  /** Images of the newest this-many releases are kept for rollback (PAAS_KEEP_RELEASES, at least 1). */
  keepReleases: number;
  /** The operator's certificate for `*.PAAS_DOMAIN` (PAAS_TLS_CERT_FILE, PAAS_TLS_KEY_FILE); otherwise a self-signed one. */
  tlsCertFile: string | undefined;
  tlsKeyFile: string | undefined;
  /** ACME for custom domains: on when PAAS_ACME_EMAIL is set. */
  acme: AcmeConfig | undefined;
  /** How often certificates are checked for renewal (PAAS_TLS_RENEW_INTERVAL_MS). */
  tlsRenewIntervalMs: number;
  /** How often the router's certificate set is compared with ours, so a restarted router gets it again (PAAS_TLS_SYNC_INTERVAL_MS). */
  tlsSyncIntervalMs: number;
  /** PAAS_REGISTRY=host:port[/prefix]: the operator's registry for release images; no platform registry is started then. */
  registry: RegistryTarget | undefined;
  /** PAAS_REGISTRY_ADDR=host:port: where the platform's own registry listens (an address every node reaches). */
  registryAddr: HostPort | undefined;
  /** PAAS_RUNTIME: `docker` (one engine, the default) or `swarm` (DOCKER_HOST is a swarm manager). */
  runtime: 'docker' | 'swarm';
  /** PAAS_SWARM_MANAGER: the swarm manager's engine URL when it is not DOCKER_HOST (which then only builds). */
  swarmManager: string | undefined;
  /** PAAS_SWARM_ENGINES: node host name → that node's engine URL (swarm only). */
  swarmEngines: Map<string, string>;
}

export interface AcmeConfig {
  email: string;
  /** PAAS_ACME_DIRECTORY: default Let's Encrypt's production directory. */
  directoryUrl: string;
  /** PAAS_ACME_CA_FILE: an extra CA the directory's HTTPS certificate is trusted with (pebble in tests). */
  caFile: string | undefined;
}

function int(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, got ${JSON.stringify(value)}`);
  return n;
}

function num(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(value)}`);
  return n;
}

/** PAAS_API_TRUST_PROXY: addresses or CIDRs, comma-separated (or fastify's names loopback, linklocal, uniquelocal), checked here so a typo names the setting. */
export function trustProxySetting(value: string | undefined): string | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  for (const entry of v.split(',').map((e) => e.trim())) {
    const [addr = '', bits, extra] = entry.split('/');
    const max = isIP(addr) === 4 ? 32 : isIP(addr) === 6 ? 128 : 0;
    const named = ['loopback', 'linklocal', 'uniquelocal'].includes(entry);
    const ok = named || (max > 0 && extra === undefined && (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max)));
    if (!ok) throw new Error(`PAAS_API_TRUST_PROXY must be IP addresses or CIDRs separated by commas (e.g. 127.0.0.1 or 10.0.0.0/8), got ${JSON.stringify(entry)}`);
  }
  return v;
}

function onOff(value: string | undefined, fallback: boolean, name: string): boolean {
  const v = (value ?? '').trim().toLowerCase();
  if (v === '') return fallback;
  if (v === 'on') return true;
  if (v === 'off') return false;
  throw new Error(`${name} must be on or off, got ${JSON.stringify(value)}`);
}

function pool(base: string | undefined, size: string | undefined): AddressPool {
  const out: AddressPool = { base: base || '10.208.0.0/12', size: int(size, 24, 'PAAS_NETWORK_SIZE') };
  const problem = poolProblem(out);
  if (problem) throw new Error(`PAAS_NETWORK_POOL: ${problem}`);
  return out;
}

function labels(value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (value ?? '').split(',').filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq > 0) out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

export const LETS_ENCRYPT_DIRECTORY = 'https://acme-v02.api.letsencrypt.org/directory';

function acme(env: NodeJS.ProcessEnv): AcmeConfig | undefined {
  const email = env.PAAS_ACME_EMAIL?.trim();
  if (!email) return undefined;
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new Error(`PAAS_ACME_EMAIL must be an e-mail address, got ${JSON.stringify(email)}`);
  const directoryUrl = env.PAAS_ACME_DIRECTORY || LETS_ENCRYPT_DIRECTORY;
  if (!/^https:\/\//.test(directoryUrl)) throw new Error(`PAAS_ACME_DIRECTORY must be an https:// URL, got ${JSON.stringify(directoryUrl)}`);
  return { email, directoryUrl, caFile: env.PAAS_ACME_CA_FILE || undefined };
}

function tlsFiles(env: NodeJS.ProcessEnv): { tlsCertFile: string | undefined; tlsKeyFile: string | undefined } {
  const tlsCertFile = env.PAAS_TLS_CERT_FILE || undefined;
  const tlsKeyFile = env.PAAS_TLS_KEY_FILE || undefined;
  if ((tlsCertFile === undefined) !== (tlsKeyFile === undefined)) throw new Error('PAAS_TLS_CERT_FILE and PAAS_TLS_KEY_FILE go together: set both or neither');
  return { tlsCertFile, tlsKeyFile };
}

/** Debian's bundle of what the host trusts, an operator's own CA included (update-ca-certificates). */
export const HOST_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/**
 * Builds trust what the host trusts unless told otherwise, so npm and pip
 * work behind a TLS-inspecting proxy the host already trusts; `none` turns
 * it off.
 */
export function buildCaFile(value: string | undefined, exists: (path: string) => boolean = existsSync): string | undefined {
  if (value === 'none') return undefined;
  if (value) return value;
  return exists(HOST_CA_BUNDLE) ? HOST_CA_BUNDLE : undefined;
}

/**
 * The registry settings of a multi-node runtime: the operator's registry or
 * the address of the platform's own. Both unset: none (the single-engine
 * runtime needs no registry).
 */
/** PAAS_RUNTIME: which driver runs instances. */
export function runtimeSetting(value: string | undefined): 'docker' | 'swarm' {
  const v = (value ?? '').trim() || 'docker';
  if (v !== 'docker' && v !== 'swarm') throw new Error(`PAAS_RUNTIME must be docker or swarm (it is ${JSON.stringify(value)})`);
  return v;
}

export function registrySettings(env: NodeJS.ProcessEnv): { registry: RegistryTarget | undefined; registryAddr: HostPort | undefined } {
  const registry = env.PAAS_REGISTRY?.trim() ? parseRegistrySetting(env.PAAS_REGISTRY) : undefined;
  const registryAddr = env.PAAS_REGISTRY_ADDR?.trim() ? parseListenSetting(env.PAAS_REGISTRY_ADDR) : undefined;
  if (registry !== undefined && registryAddr !== undefined) {
    throw new Error('PAAS_REGISTRY and PAAS_REGISTRY_ADDR exclude each other: PAAS_REGISTRY names a registry of your own, PAAS_REGISTRY_ADDR where the platform runs its own');
  }
  return { registry, registryAddr };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const routerPort = int(env.PAAS_ROUTER_PORT, 8080, 'PAAS_ROUTER_PORT');
  const controlPort = int(env.PAAS_ROUTER_CONTROL_PORT, routerPort + 1, 'PAAS_ROUTER_CONTROL_PORT');
  return {
    home: env.PAAS_HOME || join(homedir(), '.paas'),
    host: env.PAAS_API_HOST || '127.0.0.1',
    port: int(env.PAAS_API_PORT, 7700, 'PAAS_API_PORT'),
    apiTrustProxy: trustProxySetting(env.PAAS_API_TRUST_PROXY),
    databaseUrl: env.DATABASE_URL || undefined,
    domain: env.PAAS_DOMAIN || 'localhost',
    routerPort,
    routerControlUrl: env.PAAS_ROUTER_CONTROL_URL || `http://127.0.0.1:${controlPort}`,
    routerToken: env.PAAS_ROUTER_TOKEN ?? '',
    buildCaFile: buildCaFile(env.PAAS_BUILD_CA_FILE),
    buildMemoryBytes: int(env.PAAS_BUILD_MEMORY_MB, 2048, 'PAAS_BUILD_MEMORY_MB') * 1024 * 1024,
    buildCpuShares: int(env.PAAS_BUILD_CPU_SHARES, 512, 'PAAS_BUILD_CPU_SHARES'),
    buildPids: int(env.PAAS_BUILD_PIDS, 2048, 'PAAS_BUILD_PIDS'),
    instanceMemoryBytes: int(env.PAAS_INSTANCE_MEMORY_MB, 1024, 'PAAS_INSTANCE_MEMORY_MB') * 1024 * 1024,
    drainTimeoutMs: int(env.PAAS_DRAIN_TIMEOUT_MS, 30_000, 'PAAS_DRAIN_TIMEOUT_MS'),
    stopGraceMs: int(env.PAAS_STOP_GRACE_MS, 10_000, 'PAAS_STOP_GRACE_MS'),
    workerAliveMs: int(env.PAAS_WORKER_ALIVE_MS, 3_000, 'PAAS_WORKER_ALIVE_MS'),
    instanceCpus: num(env.PAAS_INSTANCE_CPUS, 1, 'PAAS_INSTANCE_CPUS'),
    instancePids: int(env.PAAS_INSTANCE_PIDS, 512, 'PAAS_INSTANCE_PIDS'),
    networkPool: pool(env.PAAS_NETWORK_POOL, env.PAAS_NETWORK_SIZE),
    logRetainLines: int(env.PAAS_LOG_RETAIN_LINES, 10_000, 'PAAS_LOG_RETAIN_LINES'),
    healthChecks: onOff(env.PAAS_HEALTH_CHECKS, true, 'PAAS_HEALTH_CHECKS'),
    healthFailures: Math.max(1, int(env.PAAS_HEALTH_FAILURES, 3, 'PAAS_HEALTH_FAILURES')),
    healthIntervalMs: Math.max(100, int(env.PAAS_HEALTH_INTERVAL_MS, 5_000, 'PAAS_HEALTH_INTERVAL_MS')),
    resyncIntervalMs: int(env.PAAS_RESYNC_INTERVAL_MS, 60_000, 'PAAS_RESYNC_INTERVAL_MS'),
    lockWaitMs: int(env.PAAS_LOCK_WAIT_MS, 500, 'PAAS_LOCK_WAIT_MS'),
    maxUploadBytes: int(env.PAAS_MAX_UPLOAD_MB, 512, 'PAAS_MAX_UPLOAD_MB') * 1024 * 1024,
    maxUploadEntries: int(env.PAAS_MAX_UPLOAD_ENTRIES, 100_000, 'PAAS_MAX_UPLOAD_ENTRIES'),
    uploadIdleMs: int(env.PAAS_UPLOAD_IDLE_MS, 30_000, 'PAAS_UPLOAD_IDLE_MS') || undefined,
    labels: labels(env.PAAS_LABELS),
    serviceImageEnv: { PAAS_MONGODB_IMAGE: env.PAAS_MONGODB_IMAGE || undefined },
    serviceReadyTimeoutMs: int(env.PAAS_SERVICE_READY_TIMEOUT_MS, 120_000, 'PAAS_SERVICE_READY_TIMEOUT_MS'),
    keepReleases: Math.max(1, int(env.PAAS_KEEP_RELEASES, 10, 'PAAS_KEEP_RELEASES')),
    ...tlsFiles(env),
    acme: acme(env),
    tlsRenewIntervalMs: int(env.PAAS_TLS_RENEW_INTERVAL_MS, 6 * 3600_000, 'PAAS_TLS_RENEW_INTERVAL_MS') || 6 * 3600_000,
    tlsSyncIntervalMs: int(env.PAAS_TLS_SYNC_INTERVAL_MS, 10_000, 'PAAS_TLS_SYNC_INTERVAL_MS') || 10_000,
    ...registrySettings(env),
    runtime: runtimeSetting(env.PAAS_RUNTIME),
    swarmManager: swarmManagerSetting(env.PAAS_SWARM_MANAGER),
    swarmEngines: parseSwarmEngines(env.PAAS_SWARM_ENGINES),
  };
}
