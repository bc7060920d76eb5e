import { readFile } from 'node:fs/promises';
import { PaasError } from '@paas/core';
import type { CertFiles } from './cert-files.js';
import { checkPair, type CheckedPair } from './inspect-pair.js';
import { makeCertificate } from './make-certificate.js';
import { isDueForRenewal } from './renewal.js';

/** The certificate served for `*.PAAS_DOMAIN` and for any name no other certificate covers. */
export interface PlatformCert extends CheckedPair {
  origin: 'operator' | 'self-signed';
}

const SELF_SIGNED_DAYS = 365;

/** `localhost` and `*.localhost` for PAAS_DOMAIN=localhost. */
export function platformNames(domain: string): string[] {
  return [domain, `*.${domain}`];
}

/**
 * The operator's certificate (PAAS_TLS_CERT_FILE/PAAS_TLS_KEY_FILE, checked
 * like an uploaded one and required to cover `*.PAAS_DOMAIN`), or else the
 * self-signed one kept in PAAS_HOME/tls, made again when missing, for
 * another domain, or due for renewal.
 */
export async function loadPlatformCert(
  o: { domain: string; certFile?: string | undefined; keyFile?: string | undefined },
  files: CertFiles,
  now: Date,
): Promise<PlatformCert> {
  if (o.certFile !== undefined && o.keyFile !== undefined) {
    const [cert, key] = await Promise.all([readSetting(o.certFile, 'PAAS_TLS_CERT_FILE'), readSetting(o.keyFile, 'PAAS_TLS_KEY_FILE')]);
    try {
      return { ...checkPair(cert, key, { host: `paas-check.${o.domain}`, now }), origin: 'operator' };
    } catch (err) {
      if (err instanceof PaasError) {
        throw new PaasError(err.code, `PAAS_TLS_CERT_FILE/PAAS_TLS_KEY_FILE: ${err.message}${err.code === 'CERT_HOST_MISMATCH' ? ` (it must cover *.${o.domain})` : ''}`, err.hint === undefined ? {} : { hint: err.hint });
      }
      throw err;
    }
  }
  const kept = await files.readPlatform();
  if (kept && kept.domain === o.domain) {
    try {
      const checked = checkPair(kept.cert, kept.key, { now });
      if (!isDueForRenewal(checked.notBefore, checked.notAfter, now)) return { ...checked, origin: 'self-signed' };
    } catch {
      // Unreadable or expired: made again below.
    }
  }
  const made = await makeCertificate({
    commonName: `paas self-signed ${o.domain}`,
    names: platformNames(o.domain),
    notBefore: new Date(now.getTime() - 3600_000),
    notAfter: new Date(now.getTime() + SELF_SIGNED_DAYS * 86_400_000),
  });
  await files.writePlatform({ domain: o.domain, cert: made.cert, key: made.key });
  return { ...checkPair(made.cert, made.key, { now }), origin: 'self-signed' };
}

export function isPlatformDue(cert: PlatformCert, now: Date): boolean {
  return cert.origin === 'self-signed' && isDueForRenewal(cert.notBefore, cert.notAfter, now);
}

async function readSetting(file: string, name: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new PaasError('CERT_INVALID', `${name}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, {
      hint: 'the API reads the file at start: give a path its user can read',
    });
  }
}
