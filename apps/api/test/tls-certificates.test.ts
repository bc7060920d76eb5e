import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DomainRow } from '../src/store/types.js';
import { AcmeFailure, type Issuer } from '../src/tls/acme-issuer.js';
import { CertFiles } from '../src/tls/cert-files.js';
import { CertificateManager } from '../src/tls/certificates.js';
import { makeCertificate, type MadeCertificate } from '../src/tls/make-certificate.js';
import { renewAt } from '../src/tls/renewal.js';
import { buildTlsSet } from '../src/tls/tls-set.js';
import { TlsPusher } from '../src/tls/tls-pusher.js';
import { RouterTls } from './helpers/router-tls.js';

const DAY = 86_400_000;
const now = new Date();
const ca = await makeCertificate({ commonName: 'Test CA', ca: true, notBefore: new Date(now.getTime() - DAY), notAfter: new Date(now.getTime() + 3650 * DAY) });
const leafFor = (host: string, days = 90): Promise<MadeCertificate> =>
  makeCertificate({ commonName: host, names: [host], issuer: ca, notBefore: new Date(now.getTime() - DAY), notAfter: new Date(now.getTime() + days * DAY) });

/** An issuer that signs with the test CA, or fails like a CA whose challenge did not validate. */
class TestIssuer implements Issuer {
  failures = new Map<string, string>();
  issued: string[] = [];
  async issue(host: string): Promise<{ cert: string; key: string }> {
    const failure = this.failures.get(host);
    if (failure) throw new AcmeFailure(failure);
    this.issued.push(host);
    const made = await leafFor(host);
    return { cert: made.cert + ca.cert, key: made.key };
  }
}

function fakeStore(domains: DomainRow[], apps = ['blog']) {
  return {
    listDomains: async (app?: string) => domains.filter((d) => app === undefined || d.app === app),
    listApps: async () => apps.map((name) => ({ name })) as never,
    addEvent: async () => undefined,
  };
}

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let home: string;
const managers: CertificateManager[] = [];
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'paas-tls-'));
});
afterEach(async () => {
  for (const m of managers.splice(0)) await m.stop();
  await rm(home, { recursive: true, force: true });
});

function manager(o: { domains: DomainRow[]; router: RouterTls; issuer?: Issuer; clock?: () => Date }): CertificateManager {
  const m = new CertificateManager({
    config: { home, domain: 'localhost', tlsCertFile: undefined, tlsKeyFile: undefined, tlsRenewIntervalMs: 3600_000, tlsSyncIntervalMs: 3600_000 },
    store: fakeStore(o.domains),
    control: o.router,
    ...(o.issuer ? { issuer: o.issuer } : {}),
    log: () => undefined,
    ...(o.clock ? { now: o.clock } : {}),
  });
  managers.push(m);
  return m;
}

const domain = (name: string, app = 'blog'): DomainRow => ({ name, app, createdAt: new Date() });

describe('certificate files', () => {
  it('keeps the directory 0700 and every certificate and key 0600, written whole', async () => {
    const files = new CertFiles(home);
    await files.init();
    const made = await leafFor('www.example.com');
    await files.writeHost({ host: '*.example.com', app: 'blog', source: 'own', status: 'issued', cert: made.cert, key: made.key, updatedAt: now.toISOString() });
    await files.writeAccount({ directoryUrl: 'https://acme.test/dir', email: 'ops@example.com', key: made.key });
    expect((await stat(join(home, 'tls'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(home, 'tls', 'hosts'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(home, 'tls', 'hosts', '_.example.com.json'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(home, 'tls', 'acme-account.json'))).mode & 0o777).toBe(0o600);
    expect((await readdir(join(home, 'tls', 'hosts'))).filter((n) => n.includes('.tmp-'))).toEqual([]);
    expect((await files.listHosts()).map((r) => r.host)).toEqual(['*.example.com']);
  });
});

describe('the TLS set', () => {
  it('serves one pair added for two hosts as one certificate, the platform one by default', async () => {
    const a = await leafFor('a.example.com');
    const p = { fingerprint: 'p', cert: 'P', key: 'PK', hosts: ['*.localhost', 'localhost'] };
    const set = buildTlsSet(p, [
      { fingerprint: 'x', cert: a.cert, key: a.key, hosts: ['b.example.com'] },
      { fingerprint: 'x', cert: a.cert, key: a.key, hosts: ['a.example.com'] },
    ]);
    expect(set.defaultId).toBe('p');
    expect(set.certificates.map((c) => [c.id, c.hosts])).toEqual([['p', ['*.localhost', 'localhost']], ['x', ['a.example.com', 'b.example.com']]]);
  });

  it('renews at a third of the lifetime left, 30 days at most', () => {
    const start = new Date('2026-01-01T00:00:00Z');
    expect(renewAt(start, new Date(start.getTime() + 90 * DAY)).toISOString()).toBe('2026-03-02T00:00:00.000Z');
    expect(renewAt(start, new Date(start.getTime() + 6 * DAY)).toISOString()).toBe('2026-01-05T00:00:00.000Z');
    expect(renewAt(start, new Date(start.getTime() + 365 * DAY)).getTime()).toBe(start.getTime() + 335 * DAY);
  });
});

describe('TlsPusher', () => {
  it('continues from the router\'s version, retries a stale push once, and pushes again after the router lost its set', async () => {
    const router = new RouterTls();
    router.set.version = 41;
    const pusher = new TlsPusher(router);
    const set = { certificates: [{ id: 'a', cert: 'C', key: 'K', hosts: ['a.example.com'] }] };
    await pusher.push(set);
    expect(router.set.version).toBe(42);
    // Another writer moved the router on.
    router.set = { ...router.set, version: 50 };
    await pusher.push(set);
    expect(router.set.version).toBe(51);
    expect(await pusher.check(set)).toBe(false);
    // A restarted router without its state.
    router.set = { version: 0, certificates: [] };
    expect(await pusher.check(set)).toBe(true);
    expect(router.set.version).toBe(52);
    expect(router.set.certificates.map((c) => c.id)).toEqual(['a']);
  });
});

describe('CertificateManager', () => {
  it('makes a self-signed certificate for localhost and *.localhost, keeps it, and serves it as the default', async () => {
    const router = new RouterTls();
    const m = manager({ domains: [], router });
    await m.start();
    expect(m.platform?.origin).toBe('self-signed');
    expect(m.platform?.names).toEqual(['localhost', '*.localhost']);
    expect(router.set.defaultId).toBe(m.platform?.fingerprint);
    expect((await stat(join(home, 'tls', 'platform.json'))).mode & 0o777).toBe(0o600);
    const list = await m.list('blog');
    expect(list.platform).toMatchObject({ source: 'platform', status: 'issued', selfSigned: true, host: '*.localhost' });
    expect(list.platform.message).toContain('self-signed');
    // A restart reuses it.
    const again = manager({ domains: [], router });
    await again.start();
    expect(again.platform?.fingerprint).toBe(m.platform?.fingerprint);
  });

  it('issues for a new domain through ACME, serves it, renews it when due and drops it with the domain', async () => {
    const router = new RouterTls();
    const issuer = new TestIssuer();
    const domains = [domain('www.example.com')];
    let clock = now;
    const m = manager({ domains, router, issuer, clock: () => clock });
    await m.start();
    m.domainsChanged('blog');
    await until(async () => (await m.list('blog')).certificates[0]?.status === 'issued', 'the certificate');
    await until(() => router.hostsServed().includes('www.example.com'), 'the router to serve it');
    const first = (await m.list('blog')).certificates[0];
    expect(first).toMatchObject({ host: 'www.example.com', source: 'acme', status: 'issued', issuer: 'Test CA', names: ['www.example.com'] });
    // 61 days on, a 90-day certificate is due.
    clock = new Date(now.getTime() + 61 * DAY);
    await m.syncAll();
    expect(issuer.issued).toEqual(['www.example.com', 'www.example.com']);
    domains.splice(0);
    m.domainsChanged('blog');
    await until(() => !router.hostsServed().includes('www.example.com'), 'the certificate to be dropped');
    expect((await m.list('blog')).certificates).toEqual([]);
    expect(await readdir(join(home, 'tls', 'hosts'))).toEqual([]);
  });

  it('shows a failed challenge with the CA\'s reason, and a wildcard as not possible over HTTP-01', async () => {
    const router = new RouterTls();
    const issuer = new TestIssuer();
    issuer.failures.set('bad.example.com', '127.0.0.1: Connection refused');
    let clock = now;
    const m = manager({ domains: [domain('bad.example.com'), domain('*.example.com')], router, issuer, clock: () => clock });
    await m.start();
    m.domainsChanged('blog');
    await until(async () => (await m.list('blog')).certificates.every((c) => c.status === 'failed'), 'both to fail');
    const list = await m.list('blog');
    expect(list.certificates).toEqual([
      { host: '*.example.com', source: 'acme', status: 'failed', message: expect.stringContaining('DNS-01') },
      { host: 'bad.example.com', source: 'acme', status: 'failed', message: '127.0.0.1: Connection refused' },
    ]);
    expect(router.hostsServed()).toEqual(['localhost']);
    // Not ordered again within the hour (the CA's limit on failed validations), then once more.
    issuer.failures.clear();
    await m.syncAll();
    expect(issuer.issued).toEqual([]);
    clock = new Date(now.getTime() + 3600_000);
    await m.syncAll();
    expect(issuer.issued).toEqual(['bad.example.com']);
    expect((await m.list('blog')).certificates[1]).toMatchObject({ host: 'bad.example.com', status: 'issued' });
  });

  it('drops the certificates of a destroyed app at the next router check', async () => {
    const router = new RouterTls();
    const apps = ['blog'];
    const m = new CertificateManager({
      config: { home, domain: 'localhost', tlsCertFile: undefined, tlsKeyFile: undefined, tlsRenewIntervalMs: 3600_000, tlsSyncIntervalMs: 3600_000 },
      store: { ...fakeStore([]), listApps: async () => apps.map((name) => ({ name })) as never },
      control: router,
      log: () => undefined,
    });
    managers.push(m);
    await m.start();
    const own = await leafFor('blog.localhost');
    await m.add('blog', 'blog.localhost', own.cert + ca.cert, own.key, 'admin');
    expect(router.hostsServed()).toEqual(['blog.localhost', 'localhost']);
    await m.checkRouter();
    expect(router.hostsServed()).toEqual(['blog.localhost', 'localhost']);
    apps.splice(0);
    await m.checkRouter();
    expect(router.hostsServed()).toEqual(['localhost']);
    expect(await readdir(join(home, 'tls', 'hosts'))).toEqual([]);
  });

  it('adds an own certificate only for a host of the app, prefers it to ACME, and lets ACME take over after rm', async () => {
    const router = new RouterTls();
    const issuer = new TestIssuer();
    const m = manager({ domains: [domain('shop.example.com')], router, issuer });
    await m.start();
    // The start's pass orders what has no certificate yet.
    await until(async () => (await m.list('blog')).certificates[0]?.status === 'issued', 'the ACME certificate');
    const own = await makeCertificate({ commonName: 'shop', names: ['shop.example.com'], notBefore: new Date(now.getTime() - DAY), notAfter: new Date(now.getTime() + 30 * DAY) });
    await expect(m.add('blog', 'other.example.com', own.cert, own.key, 'admin')).rejects.toMatchObject({ code: 'CERT_HOST_MISMATCH' });
    const info = await m.add('blog', 'shop.example.com', own.cert, own.key, 'admin');
    expect(info).toMatchObject({ host: 'shop.example.com', source: 'own', status: 'issued', selfSigned: true });
    const served = (): string | undefined => router.set.certificates.find((c) => c.hosts.includes('shop.example.com'))?.id;
    expect(served()).toBe(info.fingerprint);
    m.domainsChanged('blog');
    await m.syncAll();
    expect(issuer.issued).toEqual(['shop.example.com']);
    expect(served()).toBe(info.fingerprint);
    await expect(m.remove('blog', 'nope.example.com', 'admin')).rejects.toMatchObject({ code: 'CERT_NOT_FOUND' });
    await m.remove('blog', 'shop.example.com', 'admin');
    await until(async () => (await m.list('blog')).certificates[0]?.source === 'acme' && (await m.list('blog')).certificates[0]?.status === 'issued', 'ACME to take over');
    expect(issuer.issued).toEqual(['shop.example.com', 'shop.example.com']);
    await until(() => served() !== undefined && served() !== info.fingerprint, 'the ACME certificate to be served');
  });
});
