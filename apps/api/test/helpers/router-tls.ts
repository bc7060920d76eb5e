import { PaasError, type AcmeChallenges, type TlsSet, type TlsSummary } from '@paas/core';
import type { TlsControl } from '../../src/router-client.js';
import { readFacts } from '../../src/tls/inspect-pair.js';

/** The router's control port as the contract describes it: versions only go up, 409 otherwise. */
export class RouterTls implements TlsControl {
  set: TlsSet = { version: 0, certificates: [] };
  challenges: Record<string, string> = {};
  puts = 0;
  async getTls(): Promise<TlsSummary> {
    const { version, certificates, defaultId } = this.set;
    const notAfter = (pem: string): string => (pem.includes('BEGIN') ? readFacts(pem).notAfter.toISOString() : '');
    return { version, certificates: certificates.map((c) => ({ id: c.id, hosts: c.hosts, notAfter: notAfter(c.cert) })), ...(defaultId ? { defaultId } : {}) };
  }
  async putTls(set: TlsSet): Promise<void> {
    if (set.version <= this.set.version) throw new PaasError('TABLE_STALE', 'stale');
    this.set = structuredClone(set);
    this.puts++;
  }
  async putChallenges(c: AcmeChallenges): Promise<void> {
    this.challenges = { ...c.challenges };
  }
  hostsServed(): string[] {
    return this.set.certificates.flatMap((c) => c.hosts).sort();
  }
}
