import { layout, nearestName } from '@paas/builders';
import type Dockerode from 'dockerode';

const LIST_TIMEOUT_MS = 120_000;

/**
 * The names of every package the Debian mirror offers, as the stack image
 * sees it (`apt-cache pkgnames` after `apt-get update`), from one short
 * container. Asked only when a build names a package the mirror lacks; kept
 * for the life of the API, so later typos cost nothing.
 */
export class DebianPackages {
  #names: Promise<Set<string>> | undefined;

  constructor(
    private readonly docker: Dockerode,
    private readonly labels: Record<string, string>,
  ) {}

  /** The nearest name the mirror has, or undefined (none near, or the list could not be had). */
  async suggest(name: string): Promise<string | undefined> {
    try {
      return nearestName(name, await this.names());
    } catch {
      return undefined;
    }
  }

  names(): Promise<Set<string>> {
    this.#names ??= listPackages(this.docker, this.labels);
    // A failed lookup (mirror away) is tried again next time.
    this.#names.catch(() => (this.#names = undefined));
    return this.#names;
  }
}

async function listPackages(docker: Dockerode, labels: Record<string, string>): Promise<Set<string>> {
  const container = await docker.createContainer({
    Image: layout.STACK_IMAGE,
    User: 'root',
    Entrypoint: ['/bin/sh', '-c'],
    Cmd: ['apt-get update -qq >/dev/null && apt-cache pkgnames'],
    Labels: labels,
    HostConfig: { AutoRemove: false },
  });
  try {
    await container.start();
    const exit = (await Promise.race([
      container.wait(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('apt-cache pkgnames timed out')), LIST_TIMEOUT_MS).unref()),
    ])) as { StatusCode: number };
    if (exit.StatusCode !== 0) throw new Error(`apt-cache pkgnames exited with ${exit.StatusCode}`);
    const raw = await container.logs({ stdout: true, stderr: false, follow: false });
    return new Set(demux(raw).split('\n').map((l) => l.trim()).filter((l) => l !== ''));
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

/** The engine's multiplexed log stream (8-byte frame headers) as plain text. */
export function demux(raw: Buffer): string {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= raw.length) {
    const size = raw.readUInt32BE(at + 4);
    parts.push(raw.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}
