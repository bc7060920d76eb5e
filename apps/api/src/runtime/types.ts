import type { Readable, Writable } from 'node:stream';
import type { NodeInfo } from '@paas/core';

/**
 * What the scheduler needs from a container runtime (architecture.md
 * "Scheduler and runtime drivers"). The driver owns everything
 * engine-specific: addresses, image references, names, isolation. The docker
 * driver implements it with dockerode; unit tests of the scheduler use a fake
 * (test/helpers/fake-runtime.ts).
 */

/** Where the router reaches one port of an instance; only the driver knows it. */
export interface Address {
  host: string;
  port: number;
}

/** Limits and privileges of one instance (architecture.md "isolation"). */
export interface InstanceLimits {
  memoryBytes?: number;
  /** CPUs as a fraction (0.5 = half a core). */
  cpus?: number;
  pids?: number;
  /** Capabilities kept on top of none (most types need none). */
  capAdd?: string[];
}

export interface InstanceSpec {
  app: string;
  service: string;
  release: string;        // "v3"
  index: number;          // 1-based: instance "www.1"
  /** An image reference the driver can resolve on every node it may place the instance on. */
  image: string;
  env: Record<string, string>;
  /** Container ports the router or the app's peers reach (http and tcp ports). */
  ports: number[];
  /** Network aliases on the app network (data services use their service name). */
  aliases?: string[];
  limits?: InstanceLimits;
  /** Extra labels, e.g. paas.test=<run id> in tests. */
  labels?: Record<string, string>;
  /** Overrides the image's command (argv, no shell). */
  command?: string[];
  /**
   * Nodes the instance must not be placed on now (`paas nodes drain`). The
   * swarm driver relies on the node being paused for it rather than pin the
   * instance away from the node for good.
   */
  avoidNodes?: string[];
}

export interface InstanceState {
  id: string;             // driver id (a container id for docker)
  name: string;           // e.g. "paas-3f9a1c-blog-www-v3-1-k2x9"
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
  /** The engine killed its last run for going over its memory limit (also once the restart policy started it again); undefined when the driver cannot tell. */
  oomKilled?: boolean;
  /** When the current run started; null before a first start. */
  startedAt: Date | null;
  /** container port → where the router reaches it. */
  addresses: Record<number, Address>;
  /** The node it runs on (multi-node drivers only). */
  node?: string;
}

export interface ExecResult { exitCode: number; output: string }

export interface LogLine {
  /** RFC 3339 with the engine's precision, e.g. 2026-11-29T10:00:00.123456789Z; sorts as text. */
  time: string;
  stream: 'stdout' | 'stderr';
  /** One line without its newline. */
  text: string;
}

export interface LogOptions {
  follow?: boolean;
  /** Last N lines (before following); all when undefined. */
  tail?: number;
  since?: Date;
  signal?: AbortSignal;
}

/** A process to start in an instance (`paas run`) or a one-off container. */
export interface ProcessSpec {
  argv: string[];
  tty: boolean;
  /** Default: the app user. */
  user?: string;
  /** Default: ~/current, else ~. */
  workdir?: string;
  env?: Record<string, string>;
  cols?: number;
  rows?: number;
}

/** A running process: streams in, streams out, an exit code at the end. */
export interface ProcessSession {
  /** Ending it sends EOF to the process. */
  stdin: Writable;
  /** With a TTY: everything the terminal shows; otherwise the process's stdout. */
  stdout: Readable;
  /** Null with a TTY (merged into stdout). */
  stderr: Readable | null;
  resize(cols: number, rows: number): Promise<void>;
  /** Resolves with the exit code once the process ended and its output was read. */
  wait(): Promise<number>;
  /** Ends the process (and a one-off container) early. */
  kill(): Promise<void>;
}

export interface InstanceStats {
  /** Percent of one CPU, averaged over the engine's sampling window. */
  cpuPercent: number;
  memoryBytes: number;
  memoryLimitBytes: number;
}

/** Something happened to an instance; the reconciler only uses it as a wake-up. */
export interface RuntimeEvent {
  app: string;
  id: string;
  action: string;        // start, die, destroy, restart, oom …
}

/** A data service's container: one per service, on a named volume that outlives it. */
export interface DataServiceSpec {
  app: string;
  service: string;
  type: string;
  image: string;
  /** The non-root user the server runs as. */
  user: string;
  /** Where the service's volume is mounted. */
  dataPath: string;
  port: number;
  memoryBytes: number;
  capAdd: string[];
  /** Container env (only for images that take their first-start settings from env). */
  env?: Record<string, string>;
  /** A file written before the first start, owned by `user`, mode 0600 (credentials). */
  file?: { dir: string; name: string; body: string };
  command?: string[];
  labels?: Record<string, string>;
}

export interface DataServiceState {
  id: string;
  name: string;
  app: string;
  service: string;
  type: string;
  running: boolean;
  restarting: boolean;
  exitCode: number | null;
  restartCount: number;
  startedAt: Date | null;
  /** The engine's volume holding its data. */
  volume: string;
  /** The node holding its volume, which it is pinned to (multi-node drivers only). */
  node?: string;
}

/** One machine of a multi-node runtime (`paas nodes`). */
export type { NodeInfo };

export type NodeAvailability = 'active' | 'pause' | 'drain';

export interface Runtime {
  /** Creates the app's network when missing (idempotent). */
  ensureNetwork(app: string): Promise<void>;
  removeNetwork(app: string): Promise<void>;
  /** Creates and starts an instance; writes ~/environment.json before start. */
  startInstance(spec: InstanceSpec): Promise<InstanceState>;
  inspectInstance(id: string): Promise<InstanceState | null>;
  /** Instances of this platform (optionally of one app / service / release). */
  listInstances(filter: { app?: string; service?: string; release?: string }): Promise<InstanceState[]>;
  /** Runs `sh -c command` as the app user in ~/current; output is stdout+stderr interleaved. */
  exec(id: string, command: string, timeoutMs: number): Promise<ExecResult>;
  /** SIGTERM, then SIGKILL after graceMs; the instance stays (its logs can still be read) until removeInstance. */
  haltInstance(id: string, graceMs: number): Promise<void>;
  removeInstance(id: string): Promise<void>;
  /** haltInstance then removeInstance. */
  stopInstance(id: string, graceMs: number): Promise<void>;
  /** Last N lines of the instance's output, as text. */
  tailLogs(id: string, lines: number): Promise<string[]>;
  /** The instance's output as lines with times; ends when the instance is removed (follow) or at the end (no follow). */
  logs(id: string, opts: LogOptions): AsyncIterable<LogLine>;
  /** Starts a process in a running instance. */
  attach(id: string, proc: ProcessSpec): Promise<ProcessSession>;
  /** Runs a process in a fresh container of the spec's image; the container is removed when it ends. */
  runOneOff(spec: InstanceSpec, proc: ProcessSpec): Promise<ProcessSession>;
  /** CPU and memory now; null for an instance that does not run. */
  stats(id: string): Promise<InstanceStats | null>;
  /** Instance events of this platform until the signal aborts; ends when the engine goes away. */
  events(signal: AbortSignal): AsyncIterable<RuntimeEvent>;
  /**
   * Creates the service's volume (kept if it exists) and container, and
   * starts it on the app network with the service name as its host name.
   * An existing container is started again, never re-created.
   */
  startDataService(spec: DataServiceSpec): Promise<DataServiceState>;
  /** The data service's container, or null when it has none (its volume may still be there). */
  findDataService(app: string, service: string): Promise<DataServiceState | null>;
  listDataServices(app: string): Promise<DataServiceState[]>;
  /** Removes the container, and the volume with all its data when `volume` is true. */
  removeDataService(app: string, service: string, opts: { volume: boolean }): Promise<void>;
  /** Removes this platform's images of the app, except those in `keep` (image references); returns how many it tried. */
  removeAppImages(app: string, keep?: readonly string[]): Promise<number>;
  /** Ids of this platform's images of the app. */
  listAppImages?(app: string): Promise<string[]>;
  /** Removes these images, each unless a container still uses it; returns how many went. */
  removeImages?(ids: readonly string[]): Promise<number>;
  /**
   * What an image runs, apart from its labels (a push labels every image with
   * its build): equal for two builds of unchanged code, null when the image
   * is gone (pruned).
   */
  imageContent?(ref: string): Promise<string | null>;
  /**
   * Exit code of the instance's most recent exit, also after the restart
   * policy started it again (when inspect no longer shows it); null if none.
   */
  lastExitCode?(id: string): Promise<number | null>;
  /** The machines of a multi-node runtime; undefined on one engine. */
  listNodes?(): Promise<NodeInfo[]>;
  /** Whether new instances may be placed on the node (pause, drain) or not. */
  setNodeAvailability?(node: string, availability: NodeAvailability): Promise<void>;
  /** What an operator runs on a new machine to make it a node. */
  joinCommand?(): Promise<string>;
}
