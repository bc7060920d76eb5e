import { PaasError, type CertInfo, type CertList } from '@paas/core';
import type { ApiConfig } from '../config.js';
import type { Certificates } from '../platform.js';
import type { TlsControl } from '../router-client.js';
import type { Store } from '../store/types.js';
import type { Issuer } from './acme-issuer.js';
import { CertFiles, type HostCertRecord } from './cert-files.js';
import { checkPair, readFacts, type CertFacts } from './inspect-pair.js';
import { isPlatformDue, loadPlatformCert, type PlatformCert } from './platform-cert.js';
import { isDueForRenewal } from './renewal.js';
import { TlsPusher } from './tls-pusher.js';
import { buildTlsSet, isServableName, type ServedPair } from './tls-set.js';

export interface CertificateManagerOptions {
  config: Pick<ApiConfig, 'home' | 'domain' | 'tlsCertFile' | 'tlsKeyFile' | 'tlsRenewIntervalMs' | 'tlsSyncIntervalMs'>;
  store: Pick<Store, 'listDomains' | 'listApps' | 'addEvent'>;
  control: TlsControl;
  /** Present when ACME is configured (PAAS_ACME_EMAIL). */
  issuer?: Issuer;
  log: (msg: string) => void;
  now?: () => Date;
}

/** A failed order is tried again after this long (Let's Encrypt allows 5 failed validations per host and hour). */
const FAILED_RETRY_MS = 3600_000;

const WILDCARD_NOTE = 'wildcard domains need the DNS-01 challenge, which paas does not do (HTTP-01 cannot validate *.); add a certificate with paas certs add';

/**
 * The certificates the router serves: the platform's for `*.PAAS_DOMAIN`
 * (the default), own ones added per host, and ACME ones issued for custom
 * domains. Files in PAAS_HOME/tls are the truth; every change sends the
 * whole set to the router, and a timer sends it again when the router
 * serves something else (it restarted). Keys never reach a log, an event
 * or an error.
 */
export class CertificateManager implements Certificates {
  readonly #files: CertFiles;
  readonly #pusher: TlsPusher;
  readonly #records = new Map<string, HostCertRecord>();
  readonly #ordering = new Set<string>();
  readonly #timers: NodeJS.Timeout[] = [];
  #platform: PlatformCert | undefined;
  #state: Promise<unknown> = Promise.resolve();
  #orders: Promise<unknown> = Promise.resolve();
  #stopped = false;

  constructor(private readonly o: CertificateManagerOptions) {
    this.#files = new CertFiles(o.config.home);
    this.#pusher = new TlsPusher(o.control);
  }

  get acme(): boolean {
    return this.o.issuer !== undefined;
  }

  get platform(): PlatformCert | undefined {
    return this.#platform;
  }

  #now(): Date {
    return this.o.now?.() ?? new Date();
  }

  /**
   * Reads the kept certificates and the platform's (an operator's that does
   * not check out stops the API here), sends the set to the router (later,
   * by the timer, when the router is not up yet) and starts the timers.
   */
  async start(): Promise<void> {
    await this.#files.init();
    this.#platform = await loadPlatformCert(
      { domain: this.o.config.domain, certFile: this.o.config.tlsCertFile, keyFile: this.o.config.tlsKeyFile },
      this.#files,
      this.#now(),
    );
    for (const record of await this.#files.listHosts()) this.#records.set(record.host, record);
    await this.#push().catch((err: unknown) => this.o.log(`tls: the router did not take the certificates yet: ${(err as Error).message}`));
    // At start a failed order is tried again at once: the operator may have fixed DNS and restarted.
    void this.syncAll({ retryFailed: true }).catch((err: unknown) => this.o.log(`tls: sync failed: ${(err as Error).message}`));
    const every = (ms: number, fn: () => Promise<unknown>, what: string): void => {
      const timer = setInterval(() => void fn().catch((err: unknown) => this.o.log(`tls: ${what} failed: ${(err as Error).message}`)), ms);
      timer.unref();
      this.#timers.push(timer);
    };
    every(this.o.config.tlsSyncIntervalMs, () => this.checkRouter(), 'router check');
    every(this.o.config.tlsRenewIntervalMs, () => this.syncAll(), 'renewal pass');
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers) clearInterval(timer);
    await this.#state.catch(() => undefined);
  }

  domainsChanged(app: string): void {
    void this.#exclusive(() => this.#reconcileApp(app)).catch((err: unknown) => this.o.log(`${app}: certificates: ${(err as Error).message}`));
  }

  /** Sends the set again when the router serves another (restarted without its state, or another writer). */
  async checkRouter(): Promise<void> {
    // A destroyed app's certificates go here, not hours later at the renewal pass.
    await this.#exclusive(() => this.#prune());
    const set = this.#set();
    if (await this.#pusher.check(set)) this.o.log(`tls: the router served other certificates; sent version ${this.#pusher.version}`);
  }

  /**
   * The slow pass: drops certificates of hosts no app holds any more, orders
   * certificates still missing (or failed an hour or more ago), renews those due, and
   * makes the self-signed platform certificate again before it ends.
   */
  async syncAll(opts: { retryFailed?: boolean } = {}): Promise<void> {
    const due: { app: string; host: string }[] = [];
    await this.#exclusive(async () => {
      let changed = await this.#prune(false);
      if (this.#platform && isPlatformDue(this.#platform, this.#now())) {
        this.#platform = await loadPlatformCert({ domain: this.o.config.domain }, this.#files, this.#now());
        this.o.log(`tls: made a new self-signed certificate for *.${this.o.config.domain} (until ${this.#platform.notAfter.toISOString()})`);
        changed = true;
      }
      if (changed) await this.#push();
      if (!this.o.issuer) return;
      for (const domain of await this.o.store.listDomains()) {
        const record = this.#records.get(domain.name);
        if (this.#needsOrder(this.#records.get(domain.name), opts)) due.push({ app: domain.app, host: domain.name });
      }
    });
    for (const { app, host } of due) {
      await this.#order(app, host, opts).catch((err: unknown) => this.o.log(`${app}: ordering a certificate for ${host} failed: ${(err as Error).message}`));
    }
  }

  async list(app: string): Promise<CertList> {
    const domains = (await this.o.store.listDomains(app)).map((d) => d.name);
    const hosts = [...new Set([...domains, ...[...this.#records.values()].filter((r) => r.app === app).map((r) => r.host)])].sort();
    const certificates = hosts.map((host): CertInfo => {
      const record = this.#records.get(host);
      if (record) return infoOf(record);
      if (this.o.issuer && host.startsWith('*.')) return { host, source: 'acme', status: 'failed', message: WILDCARD_NOTE };
      if (this.o.issuer) return { host, source: 'acme', status: 'pending' };
      return { host, source: 'none', status: 'none', message: 'no certificate: the platform one is served, which does not cover this name (paas certs add, or ACME with PAAS_ACME_EMAIL)' };
    });
    return { app, certificates, platform: this.#platformInfo(), acme: this.o.issuer !== undefined };
  }

  /** `paas certs add`: HOST must be a domain of the app (or its own `<app>.PAAS_DOMAIN`), the pair checked. */
  async add(app: string, host: string, cert: string, key: string, actor: string): Promise<CertInfo> {
    const name = host.trim().toLowerCase();
    const allowed = await this.#hostsOf(app);
    if (!allowed.has(name)) {
      throw new PaasError('CERT_HOST_MISMATCH', `${name} is not a domain of ${app}`, {
        hint: `attach it first: paas domain add ${name} -a ${app}`,
      });
    }
    const checked = checkPair(cert, key, { host: name, now: this.#now() });
    const record: HostCertRecord = { host: name, app, source: 'own', status: 'issued', cert: checked.cert, key: checked.key, updatedAt: this.#now().toISOString() };
    await this.#exclusive(async () => {
      await this.#files.writeHost(record);
      this.#records.set(name, record);
      await this.#push().catch((err: unknown) => this.o.log(`${app}: the router did not take the certificate of ${name} yet: ${(err as Error).message}`));
    });
    await this.o.store.addEvent({ app, actor, action: 'certs-add', detail: { host: name, fingerprint: checked.fingerprint, notAfter: checked.notAfter.toISOString() } });
    this.o.log(`${app}: own certificate for ${name} (${checked.issuer}, until ${checked.notAfter.toISOString()})`);
    return infoOf(record);
  }

  /** `paas certs rm`: only own certificates; an ACME one then takes over when configured. */
  async remove(app: string, host: string, actor: string): Promise<void> {
    const name = host.trim().toLowerCase();
    await this.#exclusive(async () => {
      const record = this.#records.get(name);
      if (!record || record.app !== app || record.source !== 'own') {
        throw new PaasError('CERT_NOT_FOUND', `${app} has no own certificate for ${name}`, { hint: `paas certs list -a ${app} shows its certificates` });
      }
      await this.#drop(record, 'removed');
      await this.#push().catch((err: unknown) => this.o.log(`${app}: the router did not take the certificates yet: ${(err as Error).message}`));
    });
    await this.o.store.addEvent({ app, actor, action: 'certs-rm', detail: { host: name } });
    this.domainsChanged(app);
  }

  async #reconcileApp(app: string): Promise<void> {
    const allowed = await this.#hostsOf(app);
    let changed = false;
    for (const record of [...this.#records.values()]) {
      if (record.app === app && !allowed.has(record.host)) changed = (await this.#drop(record, 'its domain was removed')) || changed;
    }
    if (changed) await this.#push();
    if (!this.o.issuer) return;
    for (const domain of await this.o.store.listDomains(app)) {
      if (this.#needsOrder(this.#records.get(domain.name), {})) {
        void this.#order(app, domain.name, {}).catch((err: unknown) => this.o.log(`${app}: ordering a certificate for ${domain.name} failed: ${(err as Error).message}`));
      }
    }
  }

  /**
   * Whether HOST needs an ACME order now: it has no certificate, an order
   * was interrupted (pending), one failed an hour ago or more (or at start),
   * or its ACME certificate is due for renewal. Own certificates never.
   */
  #needsOrder(record: HostCertRecord | undefined, opts: { retryFailed?: boolean }): boolean {
    if (!record) return true;
    if (record.source !== 'acme') return false;
    if (record.status === 'pending') return true;
    if (record.status === 'failed') return opts.retryFailed === true || this.#now().getTime() - Date.parse(record.updatedAt) >= FAILED_RETRY_MS;
    return record.cert !== undefined && isDue(record.cert, this.#now());
  }

  /** Orders a certificate for HOST (one order at a time); the record says pending, then issued or failed. */
  async #order(app: string, host: string, opts: { retryFailed?: boolean }): Promise<void> {
    const issuer = this.o.issuer;
    if (!issuer || this.#ordering.has(host) || this.#stopped) return;
    this.#ordering.add(host);
    try {
      const started = await this.#exclusive(async () => {
        const current = this.#records.get(host);
        // Looked at again here: an order that ended meanwhile may have settled it.
        if ((current && current.app !== app) || !this.#needsOrder(current, opts)) return false;
        if (host.startsWith('*.')) {
          await this.#write({ host, app, source: 'acme', status: 'failed', message: WILDCARD_NOTE, updatedAt: this.#now().toISOString() });
          return false;
        }
        // A renewal keeps serving the old certificate until the new one is there.
        const renewing = current?.cert !== undefined && current.key !== undefined;
        await this.#write({ ...(renewing ? current : {}), host, app, source: 'acme', status: renewing ? 'issued' : 'pending', ...(renewing ? { message: 'renewing' } : {}), updatedAt: this.#now().toISOString() });
        return true;
      });
      if (!started) return;
      const run = this.#orders.then(async () => {
        this.o.log(`${app}: ordering a certificate for ${host}`);
        let outcome: { cert: string; key: string } | { error: string };
        try {
          const issued = await issuer.issue(host);
          const checked = checkPair(issued.cert, issued.key, { host, now: this.#now() });
          outcome = { cert: checked.cert, key: checked.key };
        } catch (err) {
          outcome = { error: (err as Error).message || 'the ACME order failed' };
        }
        await this.#exclusive(async () => {
          const current = this.#records.get(host);
          // Removed, or replaced by an own certificate, while the order ran.
          if (!current || current.source !== 'acme' || current.app !== app) return;
          const at = this.#now().toISOString();
          if ('error' in outcome) {
            this.o.log(`${app}: the certificate for ${host} was not issued: ${outcome.error}`);
            if (current.cert) await this.#write({ ...current, status: 'issued', message: `renewal failed at ${at}: ${outcome.error}`, updatedAt: at });
            else await this.#write({ host, app, source: 'acme', status: 'failed', message: outcome.error, updatedAt: at });
            return;
          }
          await this.#write({ host, app, source: 'acme', status: 'issued', cert: outcome.cert, key: outcome.key, updatedAt: at });
          this.o.log(`${app}: certificate for ${host} issued (until ${readFacts(outcome.cert).notAfter.toISOString()})`);
          await this.#push().catch((err: unknown) => this.o.log(`${app}: the router did not take the certificate of ${host} yet: ${(err as Error).message}`));
        });
      });
      this.#orders = run.catch(() => undefined);
      await run;
    } finally {
      this.#ordering.delete(host);
    }
  }

  async #write(record: HostCertRecord): Promise<void> {
    await this.#files.writeHost(record);
    this.#records.set(record.host, record);
  }

  async #drop(record: HostCertRecord, why: string): Promise<boolean> {
    await this.#files.removeHost(record.host);
    this.#records.delete(record.host);
    this.o.log(`${record.app}: ${record.source} certificate of ${record.host} dropped (${why})`);
    return true;
  }

  /** Drops certificates of hosts no app holds any more (domain removed, app destroyed); pushes unless told not to. */
  async #prune(push = true): Promise<boolean> {
    const owners = await this.#owners();
    let changed = false;
    for (const record of [...this.#records.values()]) {
      if (owners.get(record.host) !== record.app) changed = (await this.#drop(record, 'its domain or app was removed')) || changed;
    }
    if (changed && push) await this.#push();
    return changed;
  }

  /** Host → app of every custom domain and every app's `<app>.PAAS_DOMAIN`. */
  async #owners(): Promise<Map<string, string>> {
    const owners = new Map<string, string>();
    for (const app of await this.o.store.listApps()) owners.set(`${app.name}.${this.o.config.domain}`, app.name);
    for (const domain of await this.o.store.listDomains()) owners.set(domain.name, domain.app);
    return owners;
  }

  async #hostsOf(app: string): Promise<Set<string>> {
    const hosts = new Set((await this.o.store.listDomains(app)).map((d) => d.name));
    hosts.add(`${app}.${this.o.config.domain}`);
    return hosts;
  }

  #set(): ReturnType<typeof buildTlsSet> {
    const platform = this.#platform;
    const served: ServedPair[] = [];
    for (const record of this.#records.values()) {
      if (!record.cert || !record.key) continue;
      served.push({ fingerprint: readFacts(record.cert).fingerprint, cert: record.cert, key: record.key, hosts: [record.host] });
    }
    // `*.localhost` is no name the router takes (a wildcard needs two labels after it): it is the default certificate anyway.
    const platformPair = platform ? { fingerprint: platform.fingerprint, cert: platform.cert, key: platform.key, hosts: platform.names.filter(isServableName) } : undefined;
    return buildTlsSet(platformPair, served);
  }

  #push(): Promise<void> {
    return this.#pusher.push(this.#set());
  }

  #platformInfo(): CertInfo {
    const p = this.#platform;
    if (!p) return { host: `*.${this.o.config.domain}`, source: 'platform', status: 'none' };
    return {
      host: `*.${this.o.config.domain}`,
      source: 'platform',
      status: 'issued',
      ...facts(p),
      selfSigned: p.origin === 'self-signed',
      ...(p.origin === 'self-signed'
        ? { message: 'self-signed: browsers and curl warn unless told to trust it; set PAAS_TLS_CERT_FILE and PAAS_TLS_KEY_FILE for a real one' }
        : {}),
    };
  }

  /** Runs changes of the records one after another. */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#state.then(fn);
    this.#state = run.catch(() => undefined);
    return run;
  }
}

function isDue(cert: string, now: Date): boolean {
  const f = readFacts(cert);
  return isDueForRenewal(f.notBefore, f.notAfter, now);
}

function facts(f: CertFacts): Pick<CertInfo, 'issuer' | 'names' | 'notBefore' | 'notAfter' | 'fingerprint'> {
  return { issuer: f.issuer, names: f.names, notBefore: f.notBefore.toISOString(), notAfter: f.notAfter.toISOString(), fingerprint: f.fingerprint };
}

function infoOf(record: HostCertRecord): CertInfo {
  const info: CertInfo = { host: record.host, source: record.source, status: record.status };
  if (record.message !== undefined) info.message = record.message;
  if (record.cert) {
    const f = readFacts(record.cert);
    Object.assign(info, facts(f), { selfSigned: f.selfSigned });
  }
  return info;
}
