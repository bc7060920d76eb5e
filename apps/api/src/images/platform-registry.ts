import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { access, chmod, mkdir, open, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { PaasError } from '@paas/core';
import { writeSecretText } from '../tls/cert-files.js';
import { certificateFromPem, makeCertificate, type MadeCertificate } from '../tls/make-certificate.js';
import { formatHostPort, isLoopback, type HostPort, type RegistryTarget } from './reference.js';

/**
 * The platform's own image registry: Debian's `docker-registry`
 * (distribution 2.8) run as a child process of the API, its storage under
 * PAAS_HOME/registry/data. On an address nodes reach it serves TLS with a
 * certificate of the platform's registry CA (made once, kept in
 * PAAS_HOME/registry), which nodes trust through
 * /etc/docker/certs.d/<host:port>/ca.crt, so no engine needs
 * --insecure-registry. On a loopback address it serves plain HTTP, which
 * engines accept there without being told.
 */

export const REGISTRY_BINARY = '/usr/bin/docker-registry';
const CA_DAYS = 3650;
const SERVER_DAYS = 825;

export interface PlatformRegistryOptions {
  /** PAAS_HOME: the registry keeps everything in PAAS_HOME/registry. */
  home: string;
  /** The address it listens on and nodes reach (PAAS_REGISTRY_ADDR). */
  listen: HostPort;
  binary?: string;
  /** How long it has to answer GET /v2/ (default 20 s). */
  readyTimeoutMs?: number;
  now?: () => Date;
}

export interface RegistryFiles {
  dir: string;
  data: string;
  config: string;
  log: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
}

export function registryFiles(home: string): RegistryFiles {
  const dir = join(home, 'registry');
  return {
    dir,
    data: join(dir, 'data'),
    config: join(dir, 'config.yml'),
    log: join(dir, 'registry.log'),
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
  };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** The registry CA: made once, kept in PAAS_HOME/registry (key 0600), made again only when missing or expired. */
export async function loadRegistryCa(files: RegistryFiles, now: Date): Promise<MadeCertificate> {
  if ((await exists(files.caCert)) && (await exists(files.caKey))) {
    const [cert, key] = await Promise.all([readFile(files.caCert, 'utf8'), readFile(files.caKey, 'utf8')]);
    const x = new X509Certificate(cert);
    if (new Date(x.validTo).getTime() > now.getTime() + 30 * 86_400_000) return certificateFromPem(cert, key);
  }
  const ca = await makeCertificate({
    commonName: 'paas platform registry CA',
    ca: true,
    notBefore: new Date(now.getTime() - 3600_000),
    notAfter: new Date(now.getTime() + CA_DAYS * 86_400_000),
  });
  await writeSecretText(files.caKey, ca.key);
  await writeFile(files.caCert, ca.cert, { mode: 0o644 });
  return ca;
}

/** The registry's own certificate, for the address it listens on: made at each start (cheap), signed by the CA. */
async function makeServerCert(files: RegistryFiles, ca: MadeCertificate, listen: HostPort, now: Date): Promise<void> {
  const ip = isIP(listen.host) !== 0;
  const made = await makeCertificate({
    commonName: listen.host,
    ...(ip ? { ips: [listen.host] } : { names: [listen.host] }),
    issuer: ca,
    notBefore: new Date(now.getTime() - 3600_000),
    notAfter: new Date(now.getTime() + SERVER_DAYS * 86_400_000),
  });
  await writeSecretText(files.serverKey, made.key);
  // The chain: the registry sends its certificate; engines hold the CA.
  await writeSecretText(files.serverCert, made.cert);
}

/** distribution's config: filesystem storage, deletes allowed, no redirects, access log on stdout; nothing contacted outside. */
export function registryConfig(o: { files: RegistryFiles; listen: HostPort; tls: boolean; secret: string }): string {
  const q = (s: string): string => JSON.stringify(s);
  const lines = [
    'version: 0.1',
    'log:',
    '  level: info',
    '  formatter: text',
    '  accesslog:',
    '    disabled: false',
    '  fields:',
    '    service: paas-registry',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${q(o.files.data)}`,
    '  delete:',
    '    enabled: true',
    '  redirect:',
    '    disable: true',
    '  cache:',
    '    blobdescriptor: inmemory',
    'http:',
    `  addr: ${q(formatHostPort(o.listen))}`,
    `  secret: ${q(o.secret)}`,
    '  headers:',
    '    X-Content-Type-Options: [nosniff]',
    '  http2:',
    '    disabled: false',
  ];
  if (o.tls) lines.push('  tls:', `    certificate: ${q(o.files.serverCert)}`, `    key: ${q(o.files.serverKey)}`);
  lines.push('health:', '  storagedriver:', '    enabled: false');
  return `${lines.join('\n')}\n`;
}

/** GET /v2/ answers 200 (or 401 from a registry that wants a login): the registry is up. */
export function probeRegistry(url: string, ca: string | undefined, timeoutMs = 2_000): Promise<number | string> {
  return new Promise((resolve) => {
    const options = { method: 'GET', timeout: timeoutMs, ...(ca === undefined ? {} : { ca }) };
    const req = (url.startsWith('https:') ? request : httpRequest)(url, options, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => resolve(err.message));
    req.end();
  });
}

async function tail(path: string, lines = 8): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).slice(-lines).join('\n');
}

export class PlatformRegistry {
  readonly files: RegistryFiles;
  readonly listen: HostPort;
  /** TLS unless it listens on a loopback address. */
  readonly tls: boolean;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private ca: string | undefined;

  constructor(private readonly o: PlatformRegistryOptions) {
    this.files = registryFiles(o.home);
    this.listen = o.listen;
    this.tls = !isLoopback(o.listen.host);
  }

  /** `host:port` as engines name it. */
  get address(): string {
    return formatHostPort(this.listen);
  }

  /** Where images go: this registry, no prefix. */
  get target(): RegistryTarget {
    return { address: this.address, prefix: '' };
  }

  get url(): string {
    return `${this.tls ? 'https' : 'http'}://${this.address}`;
  }

  /** The CA's PEM, which nodes install as /etc/docker/certs.d/<address>/ca.crt; undefined over plain HTTP on loopback. */
  get caPem(): string | undefined {
    return this.ca;
  }

  /** Where a node keeps the CA (Docker's per-registry trust). */
  get nodeCaPath(): string {
    return `/etc/docker/certs.d/${this.address}/ca.crt`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the registry and resolves once it answers GET /v2/. */
  async start(): Promise<void> {
    if (this.running) return;
    const binary = this.o.binary ?? REGISTRY_BINARY;
    try {
      await access(binary, constants.X_OK);
    } catch {
      throw new PaasError('REGISTRY_UNAVAILABLE', `the platform's registry needs ${binary}, which is not installed`, {
        hint: 'apt-get install docker-registry (Debian\'s package of the Docker registry), or name a registry of your own with PAAS_REGISTRY=host:port',
      });
    }
    const now = this.o.now?.() ?? new Date();
    await mkdir(this.files.dir, { recursive: true, mode: 0o700 });
    await chmod(this.files.dir, 0o700);
    await mkdir(this.files.data, { recursive: true, mode: 0o700 });
    if (this.tls) {
      const ca = await loadRegistryCa(this.files, now);
      await makeServerCert(this.files, ca, this.listen, now);
      this.ca = ca.cert;
    }
    // The upload-state secret lives in the config file only (0600); the registry never logs it.
    await writeSecretText(this.files.config, registryConfig({ files: this.files, listen: this.listen, tls: this.tls, secret: randomBytes(24).toString('hex') }));

    const log = await open(this.files.log, 'a', 0o600);
    await chmod(this.files.log, 0o600);
    const logStream = createWriteStream('', { fd: log.fd, autoClose: false });
    const child = spawn(binary, ['serve', this.files.config], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its environment is not the API's: no REGISTRY_* override, no proxy, nothing secret.
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: this.files.dir },
    });
    child.stdout?.pipe(logStream, { end: false });
    child.stderr?.pipe(logStream, { end: false });
    this.child = child;
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    void this.exited.then(async () => {
      logStream.end();
      await log.close().catch(() => undefined);
    });
    let spawnError: Error | undefined;
    child.once('error', (err) => {
      spawnError = err;
    });

    const deadline = Date.now() + (this.o.readyTimeoutMs ?? 20_000);
    let last: number | string = 'no answer';
    while (Date.now() < deadline) {
      if (spawnError !== undefined || child.exitCode !== null || child.signalCode !== null) {
        await this.exited;
        await new Promise((r) => setTimeout(r, 50));
        const said = await tail(this.files.log);
        this.child = undefined;
        throw new PaasError('REGISTRY_UNAVAILABLE', `the platform's registry on ${this.address} exited at start${spawnError ? ` (${spawnError.message})` : ` with ${child.exitCode ?? child.signalCode}`}${said ? `:\n${said}` : ''}`, {
          hint: `check that ${this.listen.host} is an address of this machine and port ${this.listen.port} is free (PAAS_REGISTRY_ADDR); its log is ${this.files.log}`,
        });
      }
      last = await probeRegistry(`${this.url}/v2/`, this.ca, 1_000);
      if (last === 200) return;
      await new Promise((r) => setTimeout(r, 150));
    }
    await this.stop();
    throw new PaasError('REGISTRY_UNAVAILABLE', `the platform's registry on ${this.address} did not answer GET /v2/ within ${Math.round((this.o.readyTimeoutMs ?? 20_000) / 1000)} s (last: ${last})`, {
      hint: `its log is ${this.files.log}`,
    });
  }

  /** Stops the registry: SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    if (this.running) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    this.child = undefined;
  }

  /** Bytes the registry holds (blobs and manifests), for measurements. */
  async storedBytes(): Promise<number> {
    return duBytes(join(this.files.data, 'docker', 'registry', 'v2', 'blobs'));
  }
}

async function duBytes(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) total += await duBytes(path);
    else if (e.isFile()) total += (await stat(path)).size;
  }
  return total;
}

/** Starts the platform's registry (PAAS_REGISTRY_ADDR) and resolves once it answers. */
export async function startPlatformRegistry(o: PlatformRegistryOptions): Promise<PlatformRegistry> {
  const registry = new PlatformRegistry(o);
  await registry.start();
  return registry;
}

/**
 * Where a multi-node runtime sends images: the operator's registry when
 * PAAS_REGISTRY names one (no CA is made; the engines' own trust applies),
 * else the platform's own, started on PAAS_REGISTRY_ADDR.
 */
export async function openRegistry(o: {
  home: string;
  registry: RegistryTarget | undefined;
  registryAddr: HostPort | undefined;
  binary?: string;
}): Promise<{ target: RegistryTarget; platform: PlatformRegistry | undefined }> {
  if (o.registry !== undefined) return { target: o.registry, platform: undefined };
  if (o.registryAddr === undefined) {
    throw new PaasError('REGISTRY_UNAVAILABLE', 'no registry for images: set PAAS_REGISTRY_ADDR to the address the platform\'s registry listens on (one every node reaches), or PAAS_REGISTRY to a registry of your own');
  }
  const platform = await startPlatformRegistry({ home: o.home, listen: o.registryAddr, ...(o.binary === undefined ? {} : { binary: o.binary }) });
  return { target: platform.target, platform };
}
