import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PaasError, type AppSpec, type DataService, type DataServiceInfo, type PushEvent } from '@paas/core';
import { RESTORE_INVALID_EXIT, serviceDefinition, type Credentials, type ProvisionedType, type ServiceDefinition } from '@paas/services';
import type Dockerode from 'dockerode';
import type { DataServiceState, Runtime } from '../runtime/types.js';
import type { DataServiceRow, Store } from '../store/types.js';
import { BackupHasher, BackupSpool } from './backup-file.js';
import { commandProcess, runInService } from './service-command.js';
import { CONVENTIONAL_KEYS, MASK, serviceEnv, variablesOf, type ProvisionedService } from './service-env.js';
import { ensureServiceImage } from './service-image.js';

export interface ProvisionerDeps {
  store: Store;
  runtime: Runtime;
  docker: Dockerode;
  /** Extra labels of everything created (tests: paas.test=<run id>). */
  labels: Record<string, string>;
  /** PAAS_MONGODB_IMAGE and friends: what an operator may set for service images. */
  imageEnv: Record<string, string | undefined>;
  /** Where restores are spooled before they are checked (PAAS_HOME/tmp). */
  tmpDir: string;
  /** How long a new data service has to accept its login. */
  readyTimeoutMs: number;
}

type Emit = (event: PushEvent) => void;

/** Where the data service's volume and settings files live in its container. */
const SETTINGS_DIR = '/etc/paas-service';
const SETTINGS_FILE = 'init.env';
const READY_POLL_MS = 150;

/**
 * The provisioner (architecture.md, step 4 of a push): creates each data
 * service once — credentials in the store, a volume, a container on the
 * app's network under the service's name — and never changes it again;
 * answers what instances are told about them; and runs their shells,
 * backups and restores.
 */
export class Provisioner {
  constructor(private readonly deps: ProvisionerDeps) {}

  /**
   * Before anything of a push changes: every data service the spec names
   * and that does not exist yet must have its image (stack images are built
   * now; an upstream image that is not on the engine fails the push here).
   * Returns the image of each service to create.
   */
  async prepare(app: string, spec: AppSpec, emit: Emit): Promise<Map<string, string>> {
    const images = new Map<string, string>();
    const existing = new Set((await this.deps.store.listDataServices(app)).map((d) => d.name));
    for (const service of dataServicesOf(spec)) {
      if (existing.has(service.name)) continue;
      const def = definitionOf(service.type);
      emit({ type: 'build.step', service: service.name, step: `Preparing ${service.name} (${service.type})` });
      const image = await ensureServiceImage(this.deps.docker, def, {
        env: this.deps.imageEnv,
        onLog: (line) => emit({ type: 'log', service: service.name, line }),
      });
      images.set(service.name, image);
    }
    return images;
  }

  /**
   * Creates the data services that do not exist yet (in parallel) and waits
   * until each accepts its login; existing ones are left exactly as they are
   * (a stopped one is only started again). A service that fails to come up
   * is removed with its volume and credentials, so the next push starts
   * clean.
   */
  async provision(app: string, spec: AppSpec, images: Map<string, string>, emit: Emit): Promise<void> {
    const rows = new Map((await this.deps.store.listDataServices(app)).map((d) => [d.name, d]));
    await Promise.all(
      dataServicesOf(spec).map(async (service) => {
        const row = rows.get(service.name);
        if (row) return this.keepRunning(app, row);
        const image = images.get(service.name);
        if (image === undefined) throw new PaasError('INTERNAL', `no image was prepared for ${service.name}`);
        await this.create(app, service, image, emit);
      }),
    );
  }

  /** The variables every code instance of the release gets: its spec's data services that exist. */
  async envFor(app: string, spec: AppSpec): Promise<Record<string, string>> {
    const named = new Set(dataServicesOf(spec).map((s) => s.name));
    if (named.size === 0) return {};
    const rows = await this.deps.store.listDataServices(app);
    return serviceEnv(rows.filter((r) => named.has(r.name)).map(provisioned));
  }

  async list(app: string, spec: AppSpec | null, secrets: boolean): Promise<DataServiceInfo[]> {
    const rows = await this.deps.store.listDataServices(app);
    const states = new Map((await this.deps.runtime.listDataServices(app)).map((s) => [s.service, s]));
    const named = new Set(spec ? dataServicesOf(spec).map((s) => s.name) : []);
    return rows.map((row) => info(row, rows, states.get(row.name) ?? null, named.has(row.name), secrets));
  }

  async get(app: string, name: string, spec: AppSpec | null, secrets: boolean): Promise<DataServiceInfo> {
    const row = await this.row(app, name);
    const state = await this.deps.runtime.findDataService(app, name);
    const rows = await this.deps.store.listDataServices(app);
    return info(row, rows, state, spec ? dataServicesOf(spec).some((s) => s.name === name) : false, secrets);
  }

  /**
   * The control loop's part: every data service of the app whose container
   * stopped (a `docker kill` is a manual stop to the engine) or vanished is
   * started again on its volume. Returns the names started.
   */
  async revive(app: string): Promise<string[]> {
    const rows = await this.deps.store.listDataServices(app);
    const started: string[] = [];
    for (const row of rows) {
      const state = await this.deps.runtime.findDataService(app, row.name);
      if (state?.running || state?.restarting) continue;
      const def = definitionOf(row.type);
      const image = await ensureServiceImage(this.deps.docker, def, { env: this.deps.imageEnv });
      await this.start(app, row, def, image);
      started.push(row.name);
    }
    return started;
  }

  /** `paas destroy SERVICE`: the container, the volume with every byte of data, and the credentials. */
  async destroy(app: string, name: string): Promise<void> {
    await this.row(app, name);
    await this.deps.runtime.removeDataService(app, name, { volume: true });
    await this.deps.store.deleteDataService(app, name);
  }

  /**
   * What `paas run SERVICE [cmd …]` runs in the service's container: its
   * shell as the admin by default; a named shell (`psql`, `mongo`, …) with
   * the admin's login and the user's arguments; anything else as given.
   */
  async runTarget(app: string, name: string, argv: string[]): Promise<{ id: string; argv: string[]; user: string; env: Record<string, string> }> {
    const row = await this.row(app, name);
    const def = definitionOf(row.type);
    const state = await this.running(app, row);
    const named = argv.length > 0 ? def.namedShells(row.credentials)[argv[0]!] : undefined;
    const cmd = argv.length === 0 ? def.shell(row.credentials) : named ?? { argv, env: def.shell(row.credentials).env ?? {} };
    const extra = argv.length > 0 && named ? argv.slice(1) : [];
    const proc = commandProcess(cmd, def.user, extra);
    return { id: state.id, argv: proc.argv, user: proc.user ?? def.user, env: proc.env ?? {} };
  }

  /**
   * Streams a backup file of the service to `out`: header, the type's
   * consistent dump, footer. Rejects (after some bytes, possibly) when the
   * dump fails; the caller tells the client so.
   */
  async backup(app: string, name: string, out: Writable, signal?: AbortSignal): Promise<{ type: string; bytes: number }> {
    const row = await this.row(app, name);
    const def = definitionOf(row.type);
    const state = await this.running(app, row);
    const hasher = new BackupHasher();
    const write = async (chunk: Buffer): Promise<void> => {
      if (!out.write(chunk)) await once(out, 'drain');
    };
    await write(hasher.header(row.type, name));
    const sink = new Writable({
      write(chunk: Buffer, _enc, callback) {
        write(hasher.dump(chunk)).then(() => callback(), callback);
      },
    });
    const result = await runInService(this.deps.runtime, state.id, commandProcess(def.backup(row.credentials), def.user), { stdout: sink, ...(signal ? { signal } : {}) });
    if (result.exitCode !== 0 || signal?.aborted) {
      throw new PaasError('BACKUP_FAILED', `the backup of ${name} (${row.type}) failed (exit ${result.exitCode})${result.output ? `: ${lastLines(result.output)}` : ''}`, {
        hint: `check that ${name} runs (paas info ${name}) and try again`,
      });
    }
    await write(hasher.footer());
    return { type: row.type, bytes: hasher.dumpBytes };
  }

  /**
   * Loads a backup file into the service: the upload is spooled and checked
   * first (complete, unchanged, same type), so a corrupt file changes
   * nothing; then the type's restore command reads the dump.
   */
  async restore(app: string, name: string, body: Readable): Promise<{ type: string; bytes: number }> {
    const row = await this.row(app, name);
    const def = definitionOf(row.type);
    const state = await this.running(app, row);
    const dir = await mkdtemp(join(this.deps.tmpDir, 'restore-'));
    try {
      const file = join(dir, 'backup');
      const spool = new BackupSpool(file);
      await pipeline(body, spool);
      const checked = spool.check(row.type);
      // An empty dump (an empty redis) is a valid backup: the tool reads EOF at once.
      const stdin = checked.end > checked.start ? createReadStream(file, { start: checked.start, end: checked.end - 1 }) : Readable.from([]);
      const result = await runInService(this.deps.runtime, state.id, commandProcess(def.restore(row.credentials), def.user), { stdin });
      if (result.exitCode === RESTORE_INVALID_EXIT) {
        throw new PaasError('BACKUP_INVALID', `the dump in the file is not one ${row.type} can load: ${lastLines(result.output) || 'refused'}; nothing was changed`, {
          hint: 'restore a file written by paas backup of this service type',
        });
      }
      if (result.exitCode !== 0) {
        throw new PaasError('RESTORE_FAILED', `the restore of ${name} (${row.type}) failed (exit ${result.exitCode})${result.output ? `: ${lastLines(result.output)}` : ''}`, {
          hint: 'restore a file written by paas backup of this service type',
        });
      }
      await this.waitReady(app, row, def, this.deps.readyTimeoutMs);
      return { type: row.type, bytes: checked.end - checked.start };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async create(app: string, service: DataService, image: string, emit: Emit): Promise<void> {
    const def = definitionOf(service.type);
    emit({ type: 'deploy.step', service: service.name, step: `Creating ${service.name} (${service.type})` });
    // Credentials are stored before the container exists: a crash in between
    // leaves a row whose container the next push creates with the same login.
    const row = await this.deps.store.createDataService({ app, name: service.name, type: service.type, credentials: def.newCredentials() });
    try {
      await this.start(app, row, def, image);
      await this.waitReady(app, row, def, this.deps.readyTimeoutMs);
      emit({ type: 'deploy.step', service: service.name, step: `${service.name} is ready` });
    } catch (err) {
      await this.deps.runtime.removeDataService(app, service.name, { volume: true }).catch(() => undefined);
      await this.deps.store.deleteDataService(app, service.name).catch(() => undefined);
      throw err;
    }
  }

  /** An existing service: started again when stopped, re-created on its volume when its container is gone. */
  private async keepRunning(app: string, row: DataServiceRow): Promise<void> {
    const state = await this.deps.runtime.findDataService(app, row.name);
    if (state?.running || state?.restarting) return;
    await this.running(app, row);
  }

  private async running(app: string, row: DataServiceRow): Promise<DataServiceState> {
    const state = await this.deps.runtime.findDataService(app, row.name);
    if (state?.running) return state;
    const def = definitionOf(row.type);
    const image = await ensureServiceImage(this.deps.docker, def, { env: this.deps.imageEnv });
    const started = await this.start(app, row, def, image);
    await this.waitReady(app, row, def, this.deps.readyTimeoutMs);
    return started;
  }

  private start(app: string, row: DataServiceRow, def: ServiceDefinition, image: string): Promise<DataServiceState> {
    const settings = def.containerEnv(row.credentials);
    const viaFile = def.credentialsVia === 'file';
    return this.deps.runtime.startDataService({
      app,
      service: row.name,
      type: row.type,
      image,
      user: def.user,
      dataPath: def.dataPath,
      port: def.port,
      memoryBytes: def.memoryBytes,
      capAdd: def.capAdd,
      ...(viaFile ? { file: { dir: SETTINGS_DIR, name: SETTINGS_FILE, body: envFile(settings) } } : { env: settings }),
      ...(def.command ? { command: def.command } : {}),
      labels: this.deps.labels,
    });
  }

  /** Polls the type's readiness command until it exits 0; the container's last lines go into the error. */
  private async waitReady(app: string, row: DataServiceRow, def: ServiceDefinition, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      const state = await this.deps.runtime.findDataService(app, row.name);
      if (state?.running) {
        const result = await runInService(this.deps.runtime, state.id, commandProcess(def.readiness(row.credentials), def.user), { timeoutMs: 10_000 }).catch(
          (err: unknown) => ({ exitCode: -1, output: (err as Error).message }),
        );
        if (result.exitCode === 0) return;
        last = result.output;
      }
      if (Date.now() >= deadline) {
        throw new PaasError('SERVICE_NOT_READY', `${row.name} (${row.type}) did not become ready within ${Math.round(timeoutMs / 1000)} s`, {
          hint: `its last output: ${lastLines(last) || '(none)'}`,
        });
      }
      await new Promise((r) => setTimeout(r, READY_POLL_MS));
    }
  }

  private async row(app: string, name: string): Promise<DataServiceRow> {
    const row = await this.deps.store.getDataService(app, name);
    if (!row) {
      const names = (await this.deps.store.listDataServices(app)).map((d) => d.name);
      throw new PaasError('SERVICE_NOT_FOUND', `${app} has no data service named ${name}`, {
        hint: names.length > 0 ? `its data services are: ${names.join(', ')}` : `${app} has no data services; a push creates those its spec names`,
      });
    }
    return row;
  }
}

export function dataServicesOf(spec: AppSpec): DataService[] {
  return Object.values(spec.services).filter((s): s is DataService => s.kind === 'data');
}

function definitionOf(type: string): ServiceDefinition {
  return serviceDefinition(type as ProvisionedType);
}

function provisioned(row: DataServiceRow): ProvisionedService {
  return { name: row.name, def: definitionOf(row.type), credentials: row.credentials as Credentials };
}

/** `all`: the app's data services, which decide whether DATABASE_URL and the like point at this one. */
function info(row: DataServiceRow, all: DataServiceRow[], state: DataServiceState | null, inSpec: boolean, secrets: boolean): DataServiceInfo {
  const p = provisioned(row);
  const mask = !secrets;
  const vars = variablesOf(p, mask);
  const own = vars[`${row.name.toUpperCase()}_URL`];
  const everything = serviceEnv(all.map(provisioned), { mask });
  for (const key of CONVENTIONAL_KEYS) if (everything[key] !== undefined && everything[key] === own) vars[key] = everything[key];
  return {
    name: row.name,
    type: row.type,
    status: state === null ? 'missing' : state.running ? 'running' : state.restarting ? 'restarting' : 'stopped',
    inSpec,
    host: row.name,
    port: p.def.port,
    login: row.credentials.login,
    password: mask ? MASK : row.credentials.password,
    database: row.credentials.database,
    url: vars[`${row.name.toUpperCase()}_URL`] ?? '',
    createdAt: row.createdAt.toISOString(),
    env: vars,
    ...(state?.node ? { node: state.node } : {}),
  };
}

/** KEY='value' lines a POSIX shell can source; values never hold a quote (they are generated). */
function envFile(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([k, v]) => `${k}='${v.replace(/'/g, `'\\''`)}'`)
    .join('\n') + '\n';
}

function lastLines(text: string, n = 5): string {
  return text.split('\n').filter((l) => l.trim() !== '').slice(-n).join(' | ');
}
