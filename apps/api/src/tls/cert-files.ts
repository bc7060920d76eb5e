import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** What paas keeps for one host of an app: its certificate (own or ACME) or the state of its ACME order. */
export interface HostCertRecord {
  host: string;
  app: string;
  source: 'own' | 'acme';
  status: 'issued' | 'pending' | 'failed';
  /** failed: the reason (the CA's problem detail); issued: a renewal that failed. */
  message?: string;
  /** PEM chain, leaf first (absent while pending or after a failure). */
  cert?: string;
  /** PEM key of the leaf: a secret. */
  key?: string;
  updatedAt: string;
}

/** The platform's self-signed certificate for `*.PAAS_DOMAIN`. */
export interface PlatformCertRecord {
  domain: string;
  cert: string;
  key: string;
}

/** The ACME account: its key is a secret. */
export interface AcmeAccountRecord {
  directoryUrl: string;
  email: string;
  key: string;
  url?: string;
}

/** `*.example.com` → `_.example.com.json`: `_` is no character of a host name, so names never collide. */
function fileFor(host: string): string {
  return `${host.replace(/^\*\./, '_.')}.json`;
}

/**
 * Certificates and keys under PAAS_HOME/tls: the directory 0700, every file
 * 0600, written whole (a temporary file renamed over the old one), so a
 * crash leaves the old file or the new one, never half of one.
 */
export class CertFiles {
  readonly dir: string;
  readonly #hosts: string;

  constructor(home: string) {
    this.dir = join(home, 'tls');
    this.#hosts = join(this.dir, 'hosts');
  }

  async init(): Promise<void> {
    for (const dir of [this.dir, this.#hosts]) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await chmod(dir, 0o700);
    }
    // Temporary files of a write a crash interrupted.
    for (const dir of [this.dir, this.#hosts]) {
      for (const name of await readdir(dir)) if (name.includes('.tmp-')) await rm(join(dir, name), { force: true });
    }
  }

  async listHosts(): Promise<HostCertRecord[]> {
    const out: HostCertRecord[] = [];
    for (const name of (await readdir(this.#hosts)).sort()) {
      if (!name.endsWith('.json')) continue;
      const record = await readJson<HostCertRecord>(join(this.#hosts, name));
      if (record) out.push(record);
    }
    return out;
  }

  writeHost(record: HostCertRecord): Promise<void> {
    return writeSecret(join(this.#hosts, fileFor(record.host)), record);
  }

  async removeHost(host: string): Promise<void> {
    await rm(join(this.#hosts, fileFor(host)), { force: true });
  }

  readPlatform(): Promise<PlatformCertRecord | undefined> {
    return readJson<PlatformCertRecord>(join(this.dir, 'platform.json'));
  }

  writePlatform(record: PlatformCertRecord): Promise<void> {
    return writeSecret(join(this.dir, 'platform.json'), record);
  }

  readAccount(): Promise<AcmeAccountRecord | undefined> {
    return readJson<AcmeAccountRecord>(join(this.dir, 'acme-account.json'));
  }

  writeAccount(record: AcmeAccountRecord): Promise<void> {
    return writeSecret(join(this.dir, 'acme-account.json'), record);
  }
}

async function readJson<T>(file: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    // Never quote the file: it holds a key.
    throw new Error(`${file} is not valid JSON; remove it and the certificate is issued or generated again`);
  }
}

/** Writes the record as JSON with writeSecretText. */
export function writeSecret(file: string, value: unknown): Promise<void> {
  return writeSecretText(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Writes the file 0600 from its first byte (never briefly readable by others), synced, then renamed into place. */
export async function writeSecretText(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${randomBytes(4).toString('hex')}`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(text);
    await handle.chmod(0o600);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
