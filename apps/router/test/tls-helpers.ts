import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { request, type Agent } from 'node:https';
import { join } from 'node:path';
import { connect, type PeerCertificate } from 'node:tls';
import { promisify } from 'node:util';
import type { TlsCertificate } from '@paas/core';

const run = promisify(execFile);

export interface TestCert extends TlsCertificate {
  /** subjectAltName as node reports it, e.g. "DNS:a.test, DNS:*.a.test". */
  altNames: string;
}

/** A self-signed P-256 certificate for `names` (first = CN), made with the openssl CLI in `dir`. */
export async function makeCert(dir: string, file: string, names: string[], days = 30): Promise<TestCert> {
  const keyFile = join(dir, `${file}.key`);
  const certFile = join(dir, `${file}.crt`);
  await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', String(days),
    '-subj', `/CN=${names[0]}`, '-addext', `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`,
    '-keyout', keyFile, '-out', certFile,
  ]);
  const cert = await readFile(certFile, 'utf8');
  const key = await readFile(keyFile, 'utf8');
  const x = new X509Certificate(cert);
  return { id: x.fingerprint256.replaceAll(':', '').toLowerCase(), cert, key, hosts: names, altNames: x.subjectAltName ?? '' };
}

export function tlsEntry(c: TestCert, hosts: string[] = c.hosts): TlsCertificate {
  return { id: c.id, cert: c.cert, key: c.key, hosts };
}

/** Which certificate the router presents for `servername` ('' = no SNI); an error message when the handshake fails. */
export function presentedCert(port: number, servername: string): Promise<{ cn: string; altNames: string } | { error: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...(servername === '' ? {} : { servername }) });
    socket.once('secureConnect', () => {
      const peer: PeerCertificate = socket.getPeerCertificate();
      resolve({ cn: String(peer.subject?.CN ?? ''), altNames: peer.subjectaltname ?? '' });
      socket.destroy();
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
  });
}

export interface HttpsReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** GET over TLS on 127.0.0.1 with SNI `servername`, verifying against `ca` (the self-signed certificate). */
export function httpsGet(port: number, opts: { servername: string; host?: string; ca: string; path?: string; agent?: Agent }): Promise<HttpsReply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        servername: opts.servername,
        ca: opts.ca,
        path: opts.path ?? '/',
        headers: { host: opts.host ?? opts.servername },
        // The connection goes to 127.0.0.1 and the certificate is checked for `servername` (as curl --resolve does).
        agent: opts.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}
