import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface BenchCert {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
  /** sha256 fingerprint, hex: the id the router's TlsSet uses. */
  id: string;
}

/**
 * One self-signed P-256 certificate for `host`, used by both nginx and the
 * paas router, so that both terminate TLS with the same key type and size.
 */
export async function makeBenchCert(dir: string, host: string): Promise<BenchCert> {
  const certFile = join(dir, 'bench.crt');
  const keyFile = join(dir, 'bench.key');
  await promisify(execFile)('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', `/CN=${host}`, '-addext', `subjectAltName=DNS:${host}`, '-keyout', keyFile, '-out', certFile,
  ]);
  const cert = await readFile(certFile, 'utf8');
  const key = await readFile(keyFile, 'utf8');
  return { certFile, keyFile, cert, key, id: new X509Certificate(cert).fingerprint256.replaceAll(':', '').toLowerCase() };
}
