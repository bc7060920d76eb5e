/**
 * The HTTP contract between the CLI and the API (all routes under /v1,
 * `Authorization: Bearer <token>`; errors are ErrorBody with the catalogue's
 * status), and between the API and the router's control port.
 */
import type { ErrorBody } from './errors.js';
import type { ReleaseKind } from './releases.js';
import type { AppSpec } from './spec-types.js';

export const API_PREFIX = '/v1';

export interface Whoami { name: string; admin: boolean }
/** POST/GET /v1/session (the dashboard): who signed in, and the value its state-changing calls carry in x-paas-csrf. */
export interface SessionInfo extends Whoami { csrf: string }
/** GET /v1/platform (admins): what the platform runs on and the disk its images use. */
export interface PlatformInfo {
  version: string;
  runtime: 'docker' | 'swarm';
  platformId: string;
  /** This platform's images on the engine the API builds on; `bytes` counts each without the layers it shares with others. */
  images: { count: number; bytes: number };
  /** Every image on that engine, shared layers counted once. */
  engineImagesBytes: number;
}
/** POST/GET /v1/session (the dashboard): who signed in, and the value its state-changing calls carry in x-paas-csrf. */
export interface SessionInfo extends Whoami { csrf: string }
/** GET /v1/platform (admins): what the platform runs on and the disk its images use. */
export interface PlatformInfo {
  version: string;
  runtime: "docker" | "swarm";
  platformId: string;
  /** The images this platform built or pulled (on the engine the API builds on): `bytes` counts each image without the layers it shares with others. */
  images: { count: number; bytes: number };
  /** Every image on that engine, shared layers counted once. */
  engineImagesBytes: number;
}
export interface UserInfo { name: string; admin: boolean; createdAt: string }
export interface CreatedUser { name: string; admin: boolean; token: string }

export interface AppInfo {
  name: string;
  owner: string;
  createdAt: string;
  url: string;
  /** e.g. "v3"; null before the first successful push. */
  release: string | null;
}

export type InstanceStatus = 'starting' | 'healthy' | 'unhealthy' | 'crashed' | 'restarting' | 'draining' | 'stopped';

export interface InstanceInfo {
  /** e.g. "www.1" */
  name: string;
  service: string;
  release: string;
  state: InstanceStatus;
  restarts: number;
  /** Seconds since the current run started; null when not running. */
  uptime: number | null;
  /** Exit code of the last exit while not running. */
  exitCode: number | null;
  /** Where the router reaches it (http services). */
  address?: string;
  /** The node it runs on (only on a multi-node platform). */
  node?: string;
  /** Why the platform took it out of the router or the engine last stopped it, e.g. "killed: over its memory limit". */
  reason?: string;
  /** Only from GET …/ps: percent of one CPU and bytes of memory now. */
  cpuPercent?: number;
  memoryBytes?: number;
  memoryLimitBytes?: number;
}

export interface ReleaseInfo {
  id: string;
  version: number;
  build: string;
  status: 'pending' | 'active' | 'superseded' | 'failed';
  createdAt: string;
  /** What made it (names of env variables only, never values). */
  kind: ReleaseKind;
  /** Who made it; null for releases older than this field. */
  user: string | null;
  /** `push b7f3k2`, `env set A, B`, `rollback to v2`. */
  description: string;
  /** env: the names set and unset; rollback: the release it went back to. */
  set?: string[];
  unset?: string[];
  to?: string;
}

export interface BuildInfo {
  id: string;
  number: number;
  status: 'running' | 'succeeded' | 'failed';
  /** Error code from the catalogue when failed. */
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface AppDetail extends AppInfo {
  spec: AppSpec | null;
  scale: Record<string, number>;
  instances: InstanceInfo[];
  releases: ReleaseInfo[];
  builds: BuildInfo[];
}

/** One line of the NDJSON stream answering POST /v1/apps/:app/pushes. */
/** What a build stage does: the push output's `----->` lines during a build. */
export type BuildStageKind = 'system' | 'dependencies' | 'code' | 'hooks' | 'other';

export type PushEvent =
  | { type: 'push.accepted'; push: string; build: string; bytes: number; files: number }
  | { type: 'build.step'; service: string; step: string }
  /** A build stage begins, e.g. "Installing system packages (nodejs)"; `cached`: the engine's cache had all of it (sent as it ends). */
  | { type: 'build.stage'; service: string; kind: BuildStageKind; title: string; cached: boolean }
  /** It ended: how long it took, and whether every layer of it came from the cache. */
  | { type: 'build.stage.done'; service: string; kind: BuildStageKind; title: string; ms: number; cached: boolean }
  /** `source: 'build'`: a line of the build's own output (the engine's steps, apt, npm, pip), shown by `paas push --verbose`. */
  | { type: 'log'; service?: string; line: string; source?: 'build' }
  | { type: 'warning'; message: string; path?: string }
  | { type: 'deploy.step'; service: string; step: string }
  /** starting: being created; running: its process started, its health check runs; healthy: it passed. */
  | { type: 'deploy.instance'; service: string; instance: string; state: 'starting' | 'running' | 'healthy' | 'failed' | 'stopped' }
  | { type: 'deploy.switch'; service: string; release: string; targets: number }
  /** `url` only when the release has a web (http) service: a workers-only app has no page to show. */
  | { type: 'done'; release: string; url?: string; note?: string }
  /** The end of `paas env set|unset` that made no release (--no-deploy, or no release yet): the change is stored for the next push. */
  | { type: 'env.stored'; set: string[]; unset: string[]; note: string }
  /** The end of a scale or restart: the scale now in force. */
  | { type: 'converged'; release: string; scale: Record<string, number> }
  /** The end of `paas nodes drain`: the node is set to drain; `moved`: the instances replaced elsewhere, as `blog/www.1`. */
  | { type: 'node.drained'; node: string; moved: string[] }
  | { type: 'error'; error: ErrorBody; logs?: string[] };

/** PATCH /v1/apps/:app/env (`deploy: false`: store for the next push). GET answers AppEnv. */
export interface EnvChangeRequest { set?: Record<string, string>; unset?: string[]; deploy?: boolean }
export interface AppEnv {
  env: Record<string, string>;
  /** The active release, null before the first push. */
  release: string | null;
  /** Names whose value (or absence) differs from the active release's env: staged with --no-deploy, deployed by the next push or env change. */
  undeployed: string[];
}
/** POST /v1/apps/:app/rollback: `to` defaults to the release before the active one. */
export interface RollbackRequest { to?: string }

/** POST /v1/apps/:app/scale */
export interface ScaleRequest { scale: Record<string, number> }
/** POST /v1/apps/:app/restart: a service, or one instance of it. */
export interface RestartRequest { service: string; index?: number }

/** One machine of a multi-node platform, as its runtime sees it. */
export interface NodeInfo {
  /** The node's host name: what `paas nodes drain NODE` takes. */
  name: string;
  id: string;
  /** The address the node's tasks are reached on. */
  address: string;
  role: 'manager' | 'worker';
  leader: boolean;
  /** ready, down, unknown, disconnected (the engine's word). */
  state: string;
  /** active, pause, drain. */
  availability: string;
  cpus: number;
  memoryBytes: number;
  engineVersion: string;
}

/** GET /v1/nodes (admin only): a node and what of the platform it holds. */
export interface NodeListing extends NodeInfo {
  /** Instances of this platform's apps running there. */
  instances: number;
  /** Data services pinned there. */
  dataServices: number;
}
export interface NodeList { nodes: NodeListing[] }
/** GET /v1/nodes/join-command */
export interface JoinCommand { command: string }

/** Router control plane: PUT /routes replaces the whole table atomically. */
export interface RouteTarget {
  /** Stable id of the instance, e.g. "blog.www.v3.1" */
  id: string;
  host: string;
  port: number;
}

export interface RouteEntry {
  app: string;
  service: string;
  targets: RouteTarget[];
  /** Plain-HTTP requests for this host get a 308 to the same URL over https:// (`paas https --redirect`). */
  httpsRedirect?: boolean;
  /** HTTPS responses for this host carry `Strict-Transport-Security: max-age=<seconds>` (`paas https --hsts`). */
  hstsMaxAge?: number;
  /** The service's `request_timeout`: a response's headers must come within this (ms), else 504; absent: the router's default. */
  timeoutMs?: number;
}

export interface RouteTable {
  /** Increases with every change; the router ignores an older table. */
  version: number;
  /**
   * Lower-case hostname (no port) → entry. A key `*.example.com` is a
   * wildcard: it matches exactly one label in front of `example.com`
   * (`a.example.com`, not `a.b.example.com`, not `example.com`); an exact
   * key always wins over a wildcard.
   */
  routes: Record<string, RouteEntry>;
}

/**
 * One certificate the router serves over TLS. `key` is a secret: the router
 * stores it 0600 and never logs or returns it.
 */
export interface TlsCertificate {
  /** Stable id: the sha256 fingerprint (hex) of the leaf certificate. */
  id: string;
  /** PEM: the leaf first, then its chain. */
  cert: string;
  /** PEM private key of the leaf. */
  key: string;
  /** Lower-case names it is served for by SNI: exact or `*.example.com` (one label, as routes). */
  hosts: string[];
}

/** PUT /tls on the router's control port: every certificate, replaced at once (atomic, like the route table). */
export interface TlsSet {
  /** Increases with every change; the router ignores an older set. */
  version: number;
  certificates: TlsCertificate[];
  /** Served when the client sends no SNI or a name no certificate covers. */
  defaultId?: string;
}

/** GET /tls on the router: what it serves, without keys. */
export interface TlsSummary {
  version: number;
  certificates: { id: string; hosts: string[]; notAfter: string }[];
  defaultId?: string;
}

/**
 * PUT /acme-challenges on the router: token → key authorization. The router
 * answers `GET /.well-known/acme-challenge/<token>` on its plain-HTTP port
 * for any Host with the key authorization (text/plain), before routing.
 */
export interface AcmeChallenges { challenges: Record<string, string> }

/** POST /drain on the router: resolves when no request is in flight to these targets, or at the deadline. */
export interface DrainRequest { targets: string[]; timeoutMs: number }
export interface DrainResult { drained: boolean; inflight: number }

/**
 * A provisioned data service: GET /v1/apps/:app/services (and /:service).
 * Secrets (`password`, the password inside `url` and in `env`) read
 * `********` unless the request asks `?secrets=1`.
 */
export interface DataServiceInfo {
  name: string;
  type: string;
  /** running; restarting (crashed, coming back); stopped; missing (its container is gone, its volume kept). */
  status: 'running' | 'restarting' | 'stopped' | 'missing';
  /** False once a push's spec no longer names it: it is kept until `paas destroy SERVICE`. */
  inSpec: boolean;
  /** Where the app's instances reach it: the service name on the app's network. */
  host: string;
  port: number;
  login: string;
  password: string;
  database: string;
  url: string;
  createdAt: string;
  /** The variables every code instance gets for this service. */
  env: Record<string, string>;
  /** On Swarm: the node holding its volume, which it is pinned to (moving it is not supported yet). */
  node?: string;
}

/** POST /v1/apps/:app/services/:service/restore answers this once the dump is loaded. */
export interface RestoreResult { service: string; type: string; bytes: number }

/**
 * One certificate line of `paas certs list` (GET /v1/apps/:app/certs). Never
 * holds a key. `source`: own (`paas certs add`), acme (issued for a custom
 * domain), platform (the `*.PAAS_DOMAIN` one), none (no certificate yet: the
 * platform's is served, which does not cover the name).
 */
export interface CertInfo {
  host: string;
  source: 'own' | 'acme' | 'platform' | 'none';
  /** acme: pending (being issued), failed (see message); own and platform: issued. */
  status: 'issued' | 'pending' | 'failed' | 'none';
  /** Why an ACME order failed (the CA's problem detail), or a note such as "self-signed". */
  message?: string;
  /** The issuer's common name (or whole DN when it has none). */
  issuer?: string;
  /** The names the certificate covers (subjectAltName). */
  names?: string[];
  notBefore?: string;
  notAfter?: string;
  /** sha256 of the leaf, hex: the id the router serves it under. */
  fingerprint?: string;
  selfSigned?: boolean;
}

/** GET /v1/apps/:app/certs: the app's hosts, and the platform certificate served for `*.PAAS_DOMAIN`. */
export interface CertList {
  app: string;
  certificates: CertInfo[];
  platform: CertInfo;
  /** Whether ACME is configured (PAAS_ACME_EMAIL): custom domains get certificates by themselves. */
  acme: boolean;
}

/** POST /v1/apps/:app/certs: a PEM chain (leaf first) and its unencrypted PEM key, for HOST. */
export interface CertAddRequest { host: string; cert: string; key: string }
