import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LETS_ENCRYPT_DIRECTORY, loadConfig } from '../src/config.js';
import { CertFiles } from '../src/tls/cert-files.js';
import { makeCertificate } from '../src/tls/make-certificate.js';
import { loadPlatformCert } from '../src/tls/platform-cert.js';

const DAY = 86_400_000;
const now = new Date();
let home: string;
let files: CertFiles;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'paas-platform-cert-'));
  files = new CertFiles(home);
  await files.init();
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

async function operatorPair(names: string[]): Promise<{ certFile: string; keyFile: string }> {
  const made = await makeCertificate({ commonName: names[0] as string, names, notBefore: new Date(now.getTime() - DAY), notAfter: new Date(now.getTime() + 90 * DAY) });
  const certFile = join(home, 'cert.pem');
  const keyFile = join(home, 'key.pem');
  await writeFile(certFile, made.cert);
  await writeFile(keyFile, made.key);
  return { certFile, keyFile };
}

describe('the platform certificate', () => {
  it('is the operator\'s when it covers *.PAAS_DOMAIN', async () => {
    const pair = await operatorPair(['*.apps.example.com', 'apps.example.com']);
    const cert = await loadPlatformCert({ domain: 'apps.example.com', ...pair }, files, now);
    expect(cert).toMatchObject({ origin: 'operator', names: ['*.apps.example.com', 'apps.example.com'] });
    expect(await files.readPlatform()).toBeUndefined();
  });

  it('stops the API with the setting\'s name when the operator\'s does not cover the domain or cannot be read', async () => {
    const pair = await operatorPair(['www.example.com']);
    await expect(loadPlatformCert({ domain: 'apps.example.com', ...pair }, files, now)).rejects.toMatchObject({
      code: 'CERT_HOST_MISMATCH',
      message: 'PAAS_TLS_CERT_FILE/PAAS_TLS_KEY_FILE: the certificate does not cover paas-check.apps.example.com: it is for www.example.com (it must cover *.apps.example.com)',
    });
    await expect(loadPlatformCert({ domain: 'apps.example.com', certFile: join(home, 'nope.pem'), keyFile: pair.keyFile }, files, now)).rejects.toMatchObject({
      code: 'CERT_INVALID',
      message: `PAAS_TLS_CERT_FILE: cannot read ${join(home, 'nope.pem')} (ENOENT)`,
    });
  });

  it('is otherwise self-signed, kept, and made again for another domain or 30 days before it ends', async () => {
    const first = await loadPlatformCert({ domain: 'localhost' }, files, now);
    expect(first).toMatchObject({ origin: 'self-signed', selfSigned: true, names: ['localhost', '*.localhost'] });
    expect((await loadPlatformCert({ domain: 'localhost' }, files, now)).fingerprint).toBe(first.fingerprint);
    const later = new Date(first.notAfter.getTime() - 29 * DAY);
    const renewed = await loadPlatformCert({ domain: 'localhost' }, files, later);
    expect(renewed.fingerprint).not.toBe(first.fingerprint);
    expect(renewed.notAfter.getTime()).toBeGreaterThan(later.getTime() + 300 * DAY);
    const other = await loadPlatformCert({ domain: 'paas.example.net' }, files, later);
    expect(other.names).toEqual(['paas.example.net', '*.paas.example.net']);
  });
});

describe('TLS settings', () => {
  it('turn ACME on with PAAS_ACME_EMAIL, Let\'s Encrypt by default', () => {
    expect(loadConfig({}).acme).toBeUndefined();
    expect(loadConfig({ PAAS_ACME_EMAIL: 'ops@example.com' }).acme).toEqual({ email: 'ops@example.com', directoryUrl: LETS_ENCRYPT_DIRECTORY, caFile: undefined });
    expect(loadConfig({ PAAS_ACME_EMAIL: 'ops@example.com', PAAS_ACME_DIRECTORY: 'https://127.0.0.1:14000/dir', PAAS_ACME_CA_FILE: '/tmp/ca.pem' }).acme).toEqual({
      email: 'ops@example.com', directoryUrl: 'https://127.0.0.1:14000/dir', caFile: '/tmp/ca.pem',
    });
    expect(() => loadConfig({ PAAS_ACME_EMAIL: 'not an address' })).toThrow('PAAS_ACME_EMAIL must be an e-mail address');
    expect(() => loadConfig({ PAAS_ACME_EMAIL: 'ops@example.com', PAAS_ACME_DIRECTORY: 'http://ca.example/dir' })).toThrow('must be an https:// URL');
  });

  it('take the operator\'s certificate and key together', () => {
    expect(() => loadConfig({ PAAS_TLS_CERT_FILE: '/etc/paas/cert.pem' })).toThrow('PAAS_TLS_CERT_FILE and PAAS_TLS_KEY_FILE go together');
    expect(loadConfig({ PAAS_TLS_CERT_FILE: '/c', PAAS_TLS_KEY_FILE: '/k' })).toMatchObject({ tlsCertFile: '/c', tlsKeyFile: '/k' });
  });
});
