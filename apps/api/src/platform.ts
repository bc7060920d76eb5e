import type { CertInfo, CertList } from '@paas/core';
import type Dockerode from 'dockerode';
import type { ApiConfig } from './config.js';
import type { BuildCgroups } from './build-cgroups.js';
import type { Deployer } from './deploy/deployer.js';
import type { AppLocks } from './locks.js';
import type { Provisioner } from './provision/provisioner.js';
import type { RouteTableManager } from './route-table.js';
import type { RouterControl } from './router-client.js';
import type { Runtime } from './runtime/types.js';
import type { Store } from './store/types.js';

/** Certificates the router serves (own ones, the platform's, ACME-issued). */
export interface Certificates {
  /**
   * After `paas domain add|rm`: issues (ACME, when configured) or drops
   * certificates for the app's domains in the background. Never throws;
   * the outcome shows in `paas certs list`.
   */
  domainsChanged(app: string): void;
  /** `paas certs list`: the app's hosts and the platform certificate, never a key. (Tests that only watch domainsChanged leave these out.) */
  list?(app: string): Promise<CertList>;
  /** `paas certs add`: checks the pair (CERT_* errors) and serves it for HOST. */
  add?(app: string, host: string, cert: string, key: string, actor: string): Promise<CertInfo>;
  /** `paas certs rm`: an own certificate only (CERT_NOT_FOUND otherwise). */
  remove?(app: string, host: string, actor: string): Promise<void>;
}

/** Everything a request handler may use, built once by server.ts (or a test). */
export interface Platform {
  config: ApiConfig;
  /** PAAS_HOME/platform-id: in the labels and names of everything this platform creates. */
  platformId: string;
  store: Store;
  runtime: Runtime;
  /** Only the build service talks to the engine directly. */
  docker: Dockerode;
  router: RouterControl;
  routes: RouteTableManager;
  locks: AppLocks;
  deployer: Deployer;
  /** Data services: created once, their env, shells, backups and restores. */
  provisioner: Provisioner;
  /** Absent until the TLS module is wired in server.ts. */
  certificates?: Certificates;
  /** The network builds run on (build-network.ts); the engine's default bridge when unset. */
  buildNetwork?: string;
  /** The pids limit of builds (build-cgroups.ts); none when unset. */
  buildCgroups?: BuildCgroups;
  /** Asks the control loop for a pass of the app (after an operation released its lock). */
  wake(app: string): void;
}
