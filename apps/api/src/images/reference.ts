import { isIP } from 'node:net';

/**
 * Where release images are pushed: `host:port` and an optional path prefix
 * (`PAAS_REGISTRY=registry.example.com:5000/team`), or the platform's own
 * registry (no prefix).
 */
export interface RegistryTarget {
  /** `host:port`, as engines name the registry (`[::1]:5000` for IPv6). */
  address: string;
  /** Path components before the platform's repositories, without slashes at either end; '' for none. */
  prefix: string;
}

/** One path component of a repository name, as the registry's grammar has it. */
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
export const DIGEST = /^sha256:[0-9a-f]{64}$/;

export interface HostPort {
  host: string;
  port: number;
}

/** `host:port` (host a name, an IPv4 address or `[IPv6]`), or a message saying what is wrong. */
export function parseHostPort(value: string): HostPort | string {
  const m = /^(\[[^\]]+\]|[^:/[\]]+):(\d{1,5})$/.exec(value);
  if (!m) return `expected host:port, got ${JSON.stringify(value)}`;
  const rawHost = m[1] as string;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return `port ${port} is out of range (1 to 65535)`;
  if (rawHost.startsWith('[')) {
    const inner = rawHost.slice(1, -1);
    if (isIP(inner) !== 6) return `${rawHost} is not an IPv6 address`;
    return { host: inner, port };
  }
  if (/^[\d.]+$/.test(rawHost) ? isIP(rawHost) !== 4 : !HOSTNAME.test(rawHost)) return `${JSON.stringify(rawHost)} is not a host name or an IPv4 address`;
  return { host: rawHost, port };
}

/** `host:port` as engines and URLs write it. */
export function formatHostPort({ host, port }: HostPort): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

/** A loopback address: engines reach a registry there over plain HTTP without being told (127.0.0.0/8 is trusted). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** PAAS_REGISTRY: `host:port[/prefix]`. Throws with the setting's name. */
export function parseRegistrySetting(value: string, name = 'PAAS_REGISTRY'): RegistryTarget {
  const v = value.trim().replace(/^https?:\/\//, '');
  const slash = v.indexOf('/');
  const hostPart = slash < 0 ? v : v.slice(0, slash);
  const prefix = slash < 0 ? '' : v.slice(slash + 1).replace(/\/+$/, '');
  const hp = parseHostPort(hostPart);
  if (typeof hp === 'string') throw new Error(`${name} must be host:port[/prefix]: ${hp}`);
  if (prefix !== '') {
    for (const part of prefix.split('/')) {
      if (!COMPONENT.test(part)) throw new Error(`${name}: the prefix ${JSON.stringify(prefix)} must be lowercase letters, digits and single . _ - between them, parts separated by /`);
    }
  }
  return { address: formatHostPort(hp), prefix };
}

/** PAAS_REGISTRY_ADDR: the `host:port` the platform's registry listens on, which every node reaches. */
export function parseListenSetting(value: string, name = 'PAAS_REGISTRY_ADDR'): HostPort {
  const hp = parseHostPort(value.trim());
  if (typeof hp === 'string') throw new Error(`${name} must be host:port: ${hp}`);
  if (hp.host !== 'localhost' && isIP(hp.host) === 0) throw new Error(`${name} must name an address of this machine (an IP address, or localhost), got ${JSON.stringify(hp.host)}`);
  if (hp.host === '0.0.0.0' || hp.host === '::') throw new Error(`${name} must be the one address nodes reach, not ${hp.host}: the registry's certificate names it`);
  return hp;
}

/** `host:port[/prefix]/paas-<platform>/<app>/<service>`: a release image's repository. */
export function repositoryFor(target: RegistryTarget, platform: string, app: string, service: string): string {
  for (const [what, part] of [['platform id', platform], ['app', app], ['service', service]] as const) {
    if (!COMPONENT.test(part)) throw new Error(`the ${what} ${JSON.stringify(part)} cannot be part of a repository name`);
  }
  return [target.address, target.prefix, `paas-${platform}`, app, service].filter((p) => p !== '').join('/');
}

/** `repository@sha256:…`: the reference releases keep, so every node runs the same bytes. */
export function digestReference(repository: string, digest: string): string {
  if (!DIGEST.test(digest)) throw new Error(`not a sha256 digest: ${JSON.stringify(digest)}`);
  return `${repository}@${digest}`;
}

/** The repository and digest of `repository@sha256:…`, or null for a reference by tag. */
export function splitDigestReference(ref: string): { repository: string; digest: string } | null {
  const at = ref.lastIndexOf('@');
  if (at <= 0) return null;
  const digest = ref.slice(at + 1);
  return DIGEST.test(digest) ? { repository: ref.slice(0, at), digest } : null;
}
