/**
 * What the scheduler needs from a container runtime. The docker driver
 * implements it with dockerode; unit tests of the scheduler use a fake.
 */
export interface InstanceSpec {
  app: string;
  service: string;
  release: string;        // "v3"
  index: number;          // 1-based: instance "www.1"
  image: string;          // image id or tag
  env: Record<string, string>;
  /** Container ports to publish on 127.0.0.1 with an ephemeral host port (http ports). */
  ports: number[];
  /** Network aliases on the app network (data services use their service name). */
  aliases?: string[];
  memoryBytes?: number;
  cpuShares?: number;
  /** Extra labels, e.g. paas.test=<run id> in tests. */
  labels?: Record<string, string>;
  /** Overrides the image's command (argv, no shell). */
  command?: string[];
}

export interface InstanceState {
  id: string;             // container id
  name: string;           // container name, e.g. "paas-blog-www-v3-1"
  app: string;
  service: string;
  release: string;
  index: number;
  running: boolean;
  /** Crashed and waiting for the restart policy to start it again (running is false then). */
  restarting?: boolean;
  /** Code of the last exit while not running; null while running or before a first start. */
  exitCode: number | null;
  restartCount: number;
  /** container port → host port on 127.0.0.1 */
  ports: Record<number, number>;
}

export interface ExecResult { exitCode: number; output: string }

export interface Runtime {
  /** Creates the app's network when missing (idempotent). */
  ensureNetwork(app: string): Promise<void>;
  removeNetwork(app: string): Promise<void>;
  /** Creates and starts an instance; writes /home/app/environment.json before start. */
  startInstance(spec: InstanceSpec): Promise<InstanceState>;
  inspectInstance(id: string): Promise<InstanceState | null>;
  /** Instances with paas.app=app (and optionally the service / release). */
  listInstances(filter: { app?: string; service?: string; release?: string }): Promise<InstanceState[]>;
  /** Runs `sh -c command` as the app user in ~/current; output is stdout+stderr interleaved. */
  exec(id: string, command: string, timeoutMs: number): Promise<ExecResult>;
  /** SIGTERM, then SIGKILL after graceMs; then the container is removed. */
  stopInstance(id: string, graceMs: number): Promise<void>;
  /** Last N lines of the instance's output. */
  tailLogs(id: string, lines: number): Promise<string[]>;
  /** Removes the images labelled paas.app=app, except those in `keep` (image ids); returns how many it tried. */
  removeAppImages(app: string, keep?: readonly string[]): Promise<number>;
  /**
   * Exit code of the instance's most recent exit, also after the restart
   * policy started it again (when inspect no longer shows it); null if none.
   */
  lastExitCode?(id: string): Promise<number | null>;
}
