import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { PaasError } from '@paas/core';

/** What paas keeps and shows of a certificate; the key stays out of it. */
export interface CertFacts {
  /** sha256 of the leaf (DER), lower-case hex: the id the router serves it under. */
  fingerprint: string;
  /** DNS names of the leaf's subjectAltName (lower-case), or its CN when it has none. */
  names: string[];
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  selfSigned: boolean;
}

/** A checked pair: the chain and key as normalised PEM, and what they say. */
export interface CheckedPair extends CertFacts {
  cert: string;
  key: string;
}

const MAX_CHAIN = 10;
const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Every certificate of a PEM bundle, in order; CERT_INVALID when one does not parse or there is none. */
export function parseChain(pem: string): X509Certificate[] {
  const blocks = pem.match(PEM_CERT) ?? [];
  if (blocks.length === 0) {
    throw new PaasError('CERT_INVALID', 'the certificate file holds no PEM certificate (-----BEGIN CERTIFICATE-----)', {
      hint: 'give the certificate in PEM form; convert DER with: openssl x509 -inform der -in cert.der -out cert.pem',
    });
  }
  if (blocks.length > MAX_CHAIN) throw new PaasError('CERT_INVALID', `the chain has ${blocks.length} certificates; at most ${MAX_CHAIN} are accepted`);
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch {
      throw new PaasError('CERT_INVALID', `certificate ${i + 1} of the file is not a valid X.509 certificate`);
    }
  });
}

/** Each certificate must be issued (and signed) by the next one: the leaf first, then its intermediates. */
export function checkChainOrder(chain: X509Certificate[]): void {
  for (let i = 0; i + 1 < chain.length; i++) {
    const child = chain[i] as X509Certificate;
    const parent = chain[i + 1] as X509Certificate;
    if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) {
      throw new PaasError('CERT_INVALID', `certificate ${i + 2} of the chain (${commonName(parent.subject)}) did not issue certificate ${i + 1} (${commonName(child.subject)})`, {
        hint: 'put the leaf first, then each intermediate in order, up to (not necessarily including) the root',
      });
    }
  }
}

/** The key as a KeyObject; CERT_INVALID (never echoing the key) when it is not an unencrypted PEM private key. */
export function parseKey(pem: string): KeyObject {
  if (/ENCRYPTED/.test(pem)) {
    throw new PaasError('CERT_INVALID', 'the private key is encrypted with a passphrase', {
      hint: 'give the key unencrypted: openssl pkey -in encrypted.key -out plain.key',
    });
  }
  try {
    const key = createPrivateKey({ key: pem, format: 'pem' });
    if (key.type !== 'private') throw new Error('not private');
    return key;
  } catch {
    throw new PaasError('CERT_INVALID', 'the key file holds no readable PEM private key (-----BEGIN PRIVATE KEY-----)');
  }
}

export function commonName(dn: string): string {
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(dn)?.[1];
  return cn ?? dn.replace(/\n/g, ', ');
}

/** DNS names of the subjectAltName, lower-case; the subject's CN when there is none (old certificates). */
export function certNames(cert: X509Certificate): string[] {
  const san = cert.subjectAltName;
  if (san) {
    return san
      .split(/,\s*/)
      .filter((part) => part.startsWith('DNS:'))
      .map((part) => part.slice(4).replace(/^"|"$/g, '').toLowerCase());
  }
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1];
  return cn ? [cn.toLowerCase()] : [];
}

/** Whether the certificate is valid for HOST; a wildcard HOST needs that very wildcard among its names. */
export function coversHost(cert: X509Certificate, host: string): boolean {
  if (host.startsWith('*.')) return certNames(cert).includes(host);
  return cert.checkHost(host) !== undefined;
}

export function factsOf(chain: X509Certificate[]): CertFacts {
  const leaf = chain[0] as X509Certificate;
  return {
    fingerprint: leaf.fingerprint256.replace(/:/g, '').toLowerCase(),
    names: certNames(leaf),
    issuer: commonName(leaf.issuer),
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
    selfSigned: leaf.checkIssued(leaf) && leaf.verify(leaf.publicKey),
  };
}

/** The facts of a PEM chain already checked once (read back from disk). */
export function readFacts(certPem: string): CertFacts {
  return factsOf(parseChain(certPem));
}

/**
 * Checks an uploaded (or configured) certificate and key: the chain parses
 * and links up, the key belongs to the leaf, the leaf is valid now and, when
 * HOST is given, covers it. Errors name the problem, never the key.
 */
export function checkPair(certPem: string, keyPem: string, opts: { host?: string; now?: Date } = {}): CheckedPair {
  const chain = parseChain(certPem);
  checkChainOrder(chain);
  const key = parseKey(keyPem);
  const leaf = chain[0] as X509Certificate;
  if (!leaf.checkPrivateKey(key)) {
    throw new PaasError('CERT_KEY_MISMATCH', `the private key does not belong to the certificate for ${certNames(leaf).join(', ') || commonName(leaf.subject)}`);
  }
  const facts = factsOf(chain);
  const now = opts.now ?? new Date();
  if (now.getTime() > facts.notAfter.getTime()) {
    throw new PaasError('CERT_EXPIRED', `the certificate expired on ${facts.notAfter.toISOString()} (valid from ${facts.notBefore.toISOString()})`);
  }
  if (now.getTime() < facts.notBefore.getTime()) {
    throw new PaasError('CERT_EXPIRED', `the certificate is not valid before ${facts.notBefore.toISOString()}`, {
      hint: 'check the clock of this machine, or wait until the certificate starts',
    });
  }
  if (opts.host !== undefined && !coversHost(leaf, opts.host)) {
    throw new PaasError('CERT_HOST_MISMATCH', `the certificate does not cover ${opts.host}: it is for ${facts.names.join(', ') || '(no DNS name)'}`);
  }
  return {
    ...facts,
    cert: `${chain.map((c) => c.toString().trim()).join('\n')}\n`,
    key: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}
