import type { TlsCertificate, TlsSet, TlsSummary } from '@paas/core';

/** A certificate to serve: its PEM pair and the names it is served for. */
export interface ServedPair {
  fingerprint: string;
  cert: string;
  key: string;
  hosts: string[];
}

/**
 * The set the router serves (without its version): one entry per
 * certificate (the same pair added for two hosts is one entry with both),
 * the platform's certificate as the default for unknown or missing SNI.
 */
export function buildTlsSet(platform: ServedPair | undefined, hosts: ServedPair[]): Omit<TlsSet, 'version'> {
  const byId = new Map<string, TlsCertificate>();
  for (const pair of platform ? [platform, ...hosts] : hosts) {
    const entry = byId.get(pair.fingerprint);
    if (entry) entry.hosts = [...new Set([...entry.hosts, ...pair.hosts])].sort();
    else byId.set(pair.fingerprint, { id: pair.fingerprint, cert: pair.cert, key: pair.key, hosts: [...new Set(pair.hosts)].sort() });
  }
  const certificates = [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
  return platform ? { certificates, defaultId: platform.fingerprint } : { certificates };
}

/** A name the router serves by SNI: exact, or `*.` and at least two more labels (as route hosts). */
export function isServableName(name: string): boolean {
  return !name.startsWith('*.') || name.slice(2).includes('.');
}

/** What a set looks like without keys and version: equal shapes mean the router serves what we would send. */
export function shapeOf(set: Pick<TlsSet, 'certificates' | 'defaultId'> | TlsSummary): string {
  const certs = set.certificates.map((c) => `${c.id}=${[...c.hosts].sort().join(',')}`).sort();
  return `${certs.join(';')}|${set.defaultId ?? ''}`;
}
