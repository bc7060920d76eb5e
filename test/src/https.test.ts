import { execFile } from 'node:child_process';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { X509Certificate } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CertInfo, CertList } from '@paas/core';
import { deployVersioned } from './harness/deployed.js';
import { startPebble, type Pebble } from './harness/pebble.js';
import { startPlatform, type Platform } from './harness/platform.js';
import { freePort } from './harness/ports.js';
import { TestCa } from './harness/test-certs.js';

const run = promisify(execFile);

/**
 * HTTPS at the router: an own certificate served by SNI, bad pairs refused,
 * the self-signed platform certificate, and ACME against Debian's pebble on
 * loopback (pebble-challtestsrv answers its DNS with 127.0.0.1, so HTTP-01
 * reaches the router's plain port).
 */
const APP = 'tlsapp';
const OWN = 'www.tls-e2e.test';
const ISSUED = 'acme.tls-e2e.test';
const BROKEN = 'broken.tls-e2e.test';

let platform: Platform;
let pebble: Pebble | undefined;
let ca: TestCa;
let tlsPort: number;
let appDir: string;

interface TlsAnswer {
  status: number;
  body: string;
  cert: PeerCertificate;
  authorized: boolean;
  authorizationError: string | undefined;
}

/** GET https://HOST/ through the router's TLS port on loopback, with HOST as SNI and Host. */
function getTls(host: string, ca?: string): Promise<TlsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: tlsPort, servername: host, path: '/', headers: { host }, agent: false, timeout: 10_000, rejectUnauthorized: false, ...(ca ? { ca } : {}) },
      (res) => {
        const socket = res.socket as TLSSocket;
        const cert = socket.getPeerCertificate(true);
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, cert, authorized: socket.authorized, authorizationError: socket.authorizationError?.toString() }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** The sha256 of a certificate as paas writes it: lower-case hex without colons. */
const hexOf = (fingerprint256: string): string => fingerprint256.replace(/:/g, '').toLowerCase();
const fingerprintOf = (pem: string): string => hexOf(new X509Certificate(pem).fingerprint256);

/** Asks by SNI until the router serves the certificate FINGERPRINT for HOST (a set change reaches it asynchronously), or the deadline. */
async function servedUntil(host: string, ca: string, fingerprint: string | undefined, timeoutMs = 15_000): Promise<TlsAnswer | undefined> {
  const deadline = Date.now() + timeoutMs;
  let answer = await getTls(host, ca).catch(() => undefined);
  while ((answer === undefined || hexOf(answer.cert.fingerprint256) !== fingerprint) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    answer = await getTls(host, ca).catch(() => undefined);
  }
  return answer;
}

async function certs(): Promise<CertList> {
  const r = await platform.paas(['certs', 'list', '--json'], { cwd: appDir });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as CertList;
}

async function certFor(host: string, until: (c: CertInfo | undefined) => boolean, timeoutMs = 60_000): Promise<CertInfo | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = (await certs()).certificates.find((x) => x.host === host);
    if (until(c)) return c;
    if (Date.now() > deadline) throw new Error(`${host}: still ${JSON.stringify(c)}\npebble:\n${pebble?.logs().slice(-3000)}\napi:\n${(await apiLog()).slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const apiLog = (): Promise<string> => readFile(join(platform.home, 'logs', 'api.log'), 'utf8').catch(() => '');
const routerPid = async (): Promise<string> => (await readFile(join(platform.home, 'run', 'router.pid'), 'utf8')).trim();

beforeAll(async () => {
  ca = await TestCa.create();
  const [routerPort, controlPort] = [await freePort(), await freePort()];
  tlsPort = await freePort();
  try {
    // Certificates of 90 s and a renewal pass every 2 s: one is renewed within the test (at 60 s, a third left).
    pebble = await startPebble(ca, routerPort, { validitySeconds: 90 });
    platform = await startPlatform({
      PAAS_ROUTER_PORT: String(routerPort),
      PAAS_ROUTER_CONTROL_PORT: String(controlPort),
      PAAS_ROUTER_TLS_PORT: String(tlsPort),
      PAAS_ACME_EMAIL: 'ops@tls-e2e.test',
      PAAS_ACME_DIRECTORY: pebble.directoryUrl,
      PAAS_ACME_CA_FILE: pebble.caFile,
      PAAS_TLS_SYNC_INTERVAL_MS: '1000',
      PAAS_TLS_RENEW_INTERVAL_MS: '2000',
    });
    appDir = await deployVersioned(platform, APP, 'tls-1');
  } catch (err) {
    // Cleanup: what started before the failure.
    await pebble?.stop();
    await ca.remove();
    throw err;
  }
}, 300_000);

afterEach(async (ctx) => {
  // A failure shows what the API, the router and pebble said about it.
  if (ctx.task.result?.state !== 'fail' || !platform) return;
  const router = await readFile(join(platform.home, 'logs', 'router.log'), 'utf8').catch(() => '');
  console.error(`api log:\n${(await apiLog()).slice(-4000)}\nrouter log:\n${router.slice(-2000)}\npebble:\n${pebble?.logs().slice(-2000) ?? ''}`);
});

afterAll(async () => {
  // Cleanup, also after a failure: the platform (API, router, containers, PAAS_HOME), pebble and its DNS server, the CA's files.
  await platform?.stop();
  await pebble?.stop();
  await ca?.remove();
}, 120_000);

describe('HTTPS at the router', () => {
  it('serves the self-signed platform certificate for <app>.localhost, with a note in paas certs list', async () => {
    const answer = await getTls(`${APP}.localhost`);
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('version tls-1');
    expect(answer.cert.subjectaltname).toBe('DNS:localhost, DNS:*.localhost');
    expect(answer.authorized).toBe(false);
    const pem = `-----BEGIN CERTIFICATE-----\n${answer.cert.raw.toString('base64').match(/.{1,64}/g)?.join('\n')}\n-----END CERTIFICATE-----\n`;
    const pemFile = join(ca.dir, 'platform.crt');
    await writeFile(pemFile, pem);
    // curl trusts it for localhost when told to. (It takes no wildcard right under a one-label
    // name, so <app>.localhost stays unverified with the self-signed certificate, as in browsers.)
    const curl = await run('curl', ['-sS', '--max-time', '10', '-o', '/dev/null', '-w', '%{http_code} %{ssl_verify_result}', '--resolve', `localhost:${tlsPort}:127.0.0.1`, '--cacert', pemFile, `https://localhost:${tlsPort}/`]);
    expect(curl.stdout).toBe('404 0');
    const list = await platform.paas(['certs', 'list'], { cwd: appDir });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/\*\.localhost\s+platform\s+paas self-signed localhost\s+\d{4}-\d\d-\d\d\s+issued \(self-signed\)/);
    expect(list.stdout).toContain('self-signed certificate: browsers and curl warn');
  });

  it('paas certs add: the router serves that certificate by SNI, curl --cacert gets the app', async () => {
    const added = await platform.paas(['domain', 'add', OWN], { cwd: appDir });
    expect(added.code, added.stderr).toBe(0);
    const pair = await ca.leaf('own', [OWN]);
    const chain = join(ca.dir, 'own-chain.crt');
    await writeFile(chain, (await readFile(pair.cert, 'utf8')) + (await readFile(ca.cert, 'utf8')));
    const pid = await routerPid();
    const r = await platform.paas(['certs', 'add', OWN, '--cert', chain, '--key', pair.key], { cwd: appDir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Serving ${OWN} with your certificate`);
    const caPem = await readFile(ca.cert, 'utf8');
    const answer = await getTls(OWN, caPem);
    expect(answer.authorized, answer.authorizationError).toBe(true);
    expect(hexOf(answer.cert.fingerprint256)).toBe(fingerprintOf(await readFile(pair.cert, 'utf8')));
    expect(answer.body).toContain('version tls-1');
    const curl = await run('curl', ['-sS', '--max-time', '10', '--resolve', `${OWN}:${tlsPort}:127.0.0.1`, '--cacert', ca.cert, `https://${OWN}:${tlsPort}/`]);
    expect(curl.stdout).toContain('version tls-1');
    expect(await routerPid()).toBe(pid);
    const listed = (await certs()).certificates.find((c) => c.host === OWN);
    expect(listed).toMatchObject({ source: 'own', status: 'issued', issuer: 'paas e2e test CA', names: [OWN] });
    // The key is stored 0600 and never shown.
    expect((await stat(join(platform.home, 'tls', 'hosts', `${OWN}.json`))).mode & 0o777).toBe(0o600);
    expect(JSON.stringify(await certs())).not.toContain('PRIVATE KEY');
  });

  it('refuses a key of another certificate, an expired certificate and one for another host, with clear errors', async () => {
    const right = await ca.leaf('right', [OWN]);
    const other = await ca.leaf('other', ['other.tls-e2e.test']);
    const expired = await ca.leaf('expired', [OWN], { expired: true });
    const mismatch = await platform.paas(['certs', 'add', OWN, '--cert', right.cert, '--key', other.key], { cwd: appDir });
    expect(mismatch.code).toBe(3);
    expect(mismatch.stderr).toContain(`the private key does not belong to the certificate for ${OWN}`);
    expect(mismatch.stderr + mismatch.stdout).not.toContain('PRIVATE KEY');
    const old = await platform.paas(['certs', 'add', OWN, '--cert', expired.cert, '--key', expired.key], { cwd: appDir });
    expect(old.code).toBe(3);
    expect(old.stderr).toContain('the certificate expired on');
    const wrong = await platform.paas(['certs', 'add', OWN, '--cert', other.cert, '--key', other.key], { cwd: appDir });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain(`the certificate does not cover ${OWN}: it is for other.tls-e2e.test`);
    const notHers = await platform.paas(['certs', 'add', 'other.tls-e2e.test', '--cert', other.cert, '--key', other.key], { cwd: appDir });
    expect(notHers.code).toBe(3);
    expect(notHers.stderr).toContain(`other.tls-e2e.test is not a domain of ${APP}`);
    const garbage = await platform.paas(['certs', 'add', OWN, '--cert', right.key, '--key', right.key], { cwd: appDir });
    expect(garbage.code).toBe(3);
    expect(garbage.stderr).toContain('no PEM certificate');
    // The certificate served before is still the one served.
    expect((await certs()).certificates.find((c) => c.host === OWN)?.fingerprint).toBe(fingerprintOf(await readFile(join(ca.dir, 'own.crt'), 'utf8')));
  });

  it('a router restarted without its saved certificates gets them again from the API within seconds', async () => {
    const pid = Number(await routerPid());
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(pid, 0);
        await new Promise((r) => setTimeout(r, 100));
      } catch {
        break;
      }
    }
    // Cleanup of the router's own copy: what a lost disk or a fresh router host would look like.
    const saved = join(platform.home, 'router', 'tls.json');
    expect((await stat(saved)).mode & 0o777).toBe(0o600);
    await rm(saved);
    const started = await platform.paas(['server', 'start']);
    expect(started.code, started.stderr).toBe(0);
    expect(await routerPid()).not.toBe(String(pid));
    const caPem = await readFile(ca.cert, 'utf8');
    const own = fingerprintOf(await readFile(join(ca.dir, 'own.crt'), 'utf8'));
    const answer = await servedUntil(OWN, caPem, own);
    expect(hexOf(answer?.cert.fingerprint256 ?? '')).toBe(own);
  });

  it('ACME: a domain added to the app gets a certificate from pebble, served without a router restart', async () => {
    const pid = await routerPid();
    const added = await platform.paas(['domain', 'add', ISSUED], { cwd: appDir });
    expect(added.code, added.stderr).toBe(0);
    const issued = await certFor(ISSUED, (c) => c?.status === 'issued' || c?.status === 'failed');
    expect(issued, JSON.stringify(issued)).toMatchObject({ source: 'acme', status: 'issued', names: [ISSUED] });
    expect(issued?.issuer).toMatch(/^Pebble Intermediate/);
    const root = await (pebble as Pebble).issuingRoot();
    const answer = await servedUntil(ISSUED, root, issued?.fingerprint);
    expect(hexOf(answer?.cert.fingerprint256 ?? '')).toBe(issued?.fingerprint);
    expect(answer?.authorized, answer?.authorizationError).toBe(true);
    expect(answer?.body).toContain('version tls-1');
    expect(await routerPid()).toBe(pid);
    const text = await platform.paas(['certs', 'list'], { cwd: appDir });
    expect(text.stdout).toMatch(new RegExp(`${ISSUED.replace(/\./g, '\\.')}\\s+acme\\s+Pebble Intermediate.*\\d{4}-\\d\\d-\\d\\d\\s+issued`));
    expect(await apiLog()).not.toContain('PRIVATE KEY');
  });

  it('ACME: the certificate is renewed before it ends and the new one served without a router restart', async () => {
    const pid = await routerPid();
    const first = await certFor(ISSUED, (c) => c?.status === 'issued');
    const lifetime = Date.parse(first?.notAfter ?? '') - Date.parse(first?.notBefore ?? '');
    expect(lifetime).toBeLessThanOrEqual(91_000);
    const renewed = await certFor(ISSUED, (c) => c?.status === 'issued' && c.fingerprint !== first?.fingerprint && c.message === undefined, 120_000);
    // Renewed while the old one was still valid.
    expect(Date.parse(renewed?.notBefore ?? '')).toBeLessThan(Date.parse(first?.notAfter ?? ''));
    const root = await (pebble as Pebble).issuingRoot();
    const answer = await servedUntil(ISSUED, root, renewed?.fingerprint);
    expect(hexOf(answer?.cert.fingerprint256 ?? '')).toBe(renewed?.fingerprint);
    expect(answer?.authorized, answer?.authorizationError).toBe(true);
    expect(await routerPid()).toBe(pid);
  }, 180_000);

  it('ACME: a challenge that cannot validate shows failed with the CA\'s reason', async () => {
    await (pebble as Pebble).servfail(BROKEN);
    const added = await platform.paas(['domain', 'add', BROKEN], { cwd: appDir });
    expect(added.code, added.stderr).toBe(0);
    const failed = await certFor(BROKEN, (c) => c?.status === 'issued' || c?.status === 'failed');
    expect(failed).toMatchObject({ source: 'acme', status: 'failed' });
    expect(failed?.message).toMatch(new RegExp(`^HTTP-01 validation of ${BROKEN.replace(/\./g, '\\.')} failed \\(\\w+\\): .*could not resolve`));
    const text = await platform.paas(['certs', 'list'], { cwd: appDir });
    expect(text.stdout).toMatch(new RegExp(`${BROKEN.replace(/\./g, '\\.')}\\s+acme\\s+-\\s+-\\s+failed: `));
    // The router answers that name with the platform certificate meanwhile.
    expect((await getTls(BROKEN)).cert.subjectaltname).toBe('DNS:localhost, DNS:*.localhost');
  });

  it('a removed domain\'s ACME certificate is dropped and no longer served', async () => {
    const removed = await platform.paas(['domain', 'rm', ISSUED], { cwd: appDir });
    expect(removed.code, removed.stderr).toBe(0);
    await certFor(ISSUED, (c) => c === undefined, 10_000);
    const deadline = Date.now() + 10_000;
    let answer = await getTls(ISSUED);
    while (answer.cert.subjectaltname !== 'DNS:localhost, DNS:*.localhost' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      answer = await getTls(ISSUED);
    }
    expect(answer.cert.subjectaltname).toBe('DNS:localhost, DNS:*.localhost');
    const rm = await platform.paas(['certs', 'rm', OWN], { cwd: appDir });
    expect(rm.code, rm.stderr).toBe(0);
    const again = await platform.paas(['certs', 'rm', OWN], { cwd: appDir });
    expect(again.code).toBe(4);
    expect(again.stderr).toContain(`${APP} has no own certificate for ${OWN}`);
  });
});
