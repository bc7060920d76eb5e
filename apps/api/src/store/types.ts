import type { AppSpec, ReleaseCause } from '@paas/core';

export interface UserRow { name: string; admin: boolean; createdAt: Date }
export interface AppRow { name: string; owner: string; createdAt: Date }

export type BuildStatus = 'running' | 'succeeded' | 'failed';
export interface BuildRow {
  id: string;            // e.g. "b7f3k2"; also the image tag
  app: string;
  number: number;        // 1, 2, 3 … per app
  status: BuildStatus;
  clean: boolean;
  error: string | null;  // error code from the catalogue when failed
  createdAt: Date;
  finishedAt: Date | null;
}

export type ReleaseStatus = 'pending' | 'active' | 'superseded' | 'failed';
export interface ReleaseRow {
  id: string;            // "v1", "v2" … per app
  app: string;
  version: number;
  buildId: string;
  spec: AppSpec;
  /** service → image id (sha256:…) */
  images: Record<string, string>;
  /** env snapshot (values are secrets: never log) */
  env: Record<string, string>;
  status: ReleaseStatus;
  createdAt: Date;
  /** What made it: kind, and the env names set/unset or the release rolled back to. */
  cause: ReleaseCause;
  /** The user who made it; null for releases from before it was recorded. */
  actor: string | null;
}

/** What createRelease needs; `cause` defaults to a push, `actor` to unknown. */
export interface NewRelease {
  app: string;
  buildId: string;
  spec: AppSpec;
  images: Record<string, string>;
  env: Record<string, string>;
  cause?: ReleaseCause;
  actor?: string;
}

/** A line a retired instance wrote, kept for paas logs. */
export interface RetainedLogLine {
  /** The driver's id of the instance (a container id). */
  instanceId: string;
  service: string;
  index: number;
  release: string;
  /** RFC 3339 in UTC with nine fraction digits. */
  time: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

export interface RetainedLogQuery {
  service?: string;
  index?: number;
  /** Only lines at or after this time (same format as RetainedLogLine.time). */
  since?: string;
  /** Only the last N lines of each instance. */
  tail?: number;
}

/** A provisioned data service. `credentials` are secrets: never log them. */
export interface DataServiceRow {
  app: string;
  name: string;
  type: string;
  credentials: { login: string; password: string; database: string; adminPassword: string };
  createdAt: Date;
}

/** A custom domain (`paas domain add`): exact (`www.example.com`) or wildcard (`*.example.com`). */
export interface DomainRow { name: string; app: string; createdAt: Date }

/** The per-app HTTPS switch: plain HTTP → 308 to https://, and HSTS max-age (null: none). */
export interface HttpsRow { app: string; redirect: boolean; hstsMaxAge: number | null }

export interface EventRow { id: number; app: string | null; actor: string; action: string; detail: Record<string, unknown>; at: Date }

/**
 * Everything the API keeps. Two implementations share one set of SQL
 * migrations: PGlite (embedded, default) and Postgres through `pg`.
 */
export interface Store {
  close(): Promise<void>;

  // users and tokens (only sha256 hashes of tokens are stored)
  createUser(name: string, admin: boolean, tokenHash: string): Promise<UserRow>;
  findUserByTokenHash(tokenHash: string): Promise<UserRow | null>;
  listUsers(): Promise<UserRow[]>;
  countUsers(): Promise<number>;

  // apps
  createApp(name: string, owner: string): Promise<AppRow>;     // throws PaasError APP_EXISTS
  getApp(name: string): Promise<AppRow | null>;
  listApps(owner?: string): Promise<AppRow[]>;                 // all apps when owner is undefined
  deleteApp(name: string): Promise<void>;                      // cascades to builds, releases, scale, logs
  getScale(app: string): Promise<Record<string, number>>;
  setScale(app: string, service: string, instances: number): Promise<void>;

  // builds
  createBuild(app: string, id: string, clean: boolean): Promise<BuildRow>;  // number = previous max + 1
  finishBuild(id: string, status: 'succeeded' | 'failed', error?: string): Promise<void>;
  appendBuildLog(id: string, lines: string[]): Promise<void>;
  getBuild(id: string): Promise<BuildRow | null>;
  getBuildLog(id: string): Promise<string[]>;
  listBuilds(app: string): Promise<BuildRow[]>;                 // newest first

  // releases
  createRelease(r: NewRelease): Promise<ReleaseRow>; // status pending, version = max + 1
  /** In one transaction: the given release becomes active, the previously active one superseded. */
  activateRelease(app: string, id: string): Promise<void>;
  failRelease(app: string, id: string): Promise<void>;
  getRelease(app: string, id: string): Promise<ReleaseRow | null>;
  getActiveRelease(app: string): Promise<ReleaseRow | null>;
  listReleases(app: string): Promise<ReleaseRow[]>;            // newest first

  // app-wide env (paas env): values are secrets, never log them
  getAppEnv(app: string): Promise<Record<string, string>>;
  /** Sets and unsets names in one transaction; throws ENV_TOO_LARGE (nothing changed) past the total, APP_NOT_FOUND. Returns the new env. */
  updateAppEnv(app: string, set: Record<string, string>, unset: readonly string[]): Promise<Record<string, string>>;
  /** Replaces the whole env (a rollback restores its release's). */
  replaceAppEnv(app: string, env: Record<string, string>): Promise<void>;

  // reconcile after a crash: running builds → failed, pending releases → failed; returns how many
  failInterrupted(): Promise<{ builds: number; releases: number }>;

  /** The app's operation lock (push, scale, restart, destroy), shared by every API process on this database; null when held. */
  tryLockApp(app: string): Promise<(() => Promise<void>) | null>;

  // output of retired instances (paas logs)
  /**
   * Keeps an instance's lines (oldest first), replacing any kept before for
   * that instance, then trims the app's kept lines to the newest `limit`.
   */
  keepInstanceLogs(
    app: string,
    instance: { id: string; service: string; index: number; release: string },
    lines: readonly Pick<RetainedLogLine, 'time' | 'stream' | 'text'>[],
    limit: number,
  ): Promise<void>;
  /** Kept lines of the app, oldest first. */
  listInstanceLogs(app: string, query?: RetainedLogQuery): Promise<RetainedLogLine[]>;

  // audit
  // data services
  listDataServices(app: string): Promise<DataServiceRow[]>;      // by name
  getDataService(app: string, name: string): Promise<DataServiceRow | null>;
  /** Throws PaasError APP_NOT_FOUND; a second create of the same name keeps the first (returns it). */
  createDataService(r: Omit<DataServiceRow, 'createdAt'>): Promise<DataServiceRow>;
  deleteDataService(app: string, name: string): Promise<boolean>;

  // custom domains
  /** The app's domains by name; every app's when `app` is undefined. */
  listDomains(app?: string): Promise<DomainRow[]>;
  /** Throws PaasError DOMAIN_TAKEN (409) when another app has it; the same app again returns the existing row. */
  addDomain(app: string, name: string): Promise<DomainRow>;
  removeDomain(app: string, name: string): Promise<boolean>;

  // the per-app HTTPS switch (paas https)
  /** The app's settings; both off when never set. */
  getHttps(app: string): Promise<HttpsRow>;
  /** Throws APP_NOT_FOUND. */
  setHttps(app: string, s: Omit<HttpsRow, 'app'>): Promise<HttpsRow>;
  /** Every app that has settings stored. */
  listHttps(): Promise<HttpsRow[]>;

  addEvent(e: { app: string | null; actor: string; action: string; detail?: Record<string, unknown> }): Promise<void>;
  listEvents(app: string, limit?: number): Promise<EventRow[]>;
}
