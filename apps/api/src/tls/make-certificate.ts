import { createPrivateKey, createPublicKey, KeyObject, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

type KeyPair = webcrypto.CryptoKeyPair;

// @peculiar/x509 signs with Node's WebCrypto.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface MadeCertificate {
  /** PEM of the certificate alone. */
  cert: string;
  /** PEM (PKCS#8) of its private key. */
  key: string;
  keys: KeyPair;
}

export interface MakeCertificateOptions {
  commonName: string;
  /** DNS names of the subjectAltName. */
  names?: string[];
  /** IP addresses of the subjectAltName (a server reached by its address). */
  ips?: string[];
  notBefore: Date;
  notAfter: Date;
  /** A CA: may sign other certificates. */
  ca?: boolean;
  /** Signs with this certificate's key; without it the certificate is self-signed. */
  issuer?: MadeCertificate;
  /** Reuse a key pair (tests make a certificate for a key on purpose). */
  keys?: KeyPair;
}

export function newKeys(): Promise<KeyPair> {
  return webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
}

/**
 * An X.509 certificate with an ECDSA P-256 key (the platform's self-signed
 * certificate, and certificates tests need: CAs, expired, wrong host).
 */
export async function makeCertificate(o: MakeCertificateOptions): Promise<MadeCertificate> {
  const keys = o.keys ?? (await newKeys());
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(o.ca === true, undefined, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (o.ca === true) {
    extensions.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true));
  } else {
    extensions.push(new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]));
  }
  const altNames = [...(o.names ?? []).map((value) => ({ type: 'dns' as const, value })), ...(o.ips ?? []).map((value) => ({ type: 'ip' as const, value }))];
  if (altNames.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(altNames));
  // A positive serial: the top bit of the first byte clear.
  const serial = randomBytes(16);
  serial[0] = (serial[0] as number) & 0x7f;
  const name = `CN=${o.commonName.replace(/[,+="\\<>;]/g, ' ')}`;
  const common = { serialNumber: serial.toString('hex'), notBefore: o.notBefore, notAfter: o.notAfter, signingAlgorithm: EC, extensions };
  const cert = o.issuer
    ? await x509.X509CertificateGenerator.create({
        ...common,
        subject: name,
        issuer: new x509.X509Certificate(o.issuer.cert).subject,
        publicKey: keys.publicKey,
        signingKey: o.issuer.keys.privateKey,
      })
    : await x509.X509CertificateGenerator.createSelfSigned({ ...common, name, keys });
  const key = KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }).toString();
  return { cert: `${cert.toString('pem')}\n`, key, keys };
}

/** A certificate and its key kept as PEM, loaded back to sign with (the inverse of makeCertificate's PEMs). */
export async function certificateFromPem(certPem: string, keyPem: string): Promise<MadeCertificate> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256' } as const;
  const privateKey = await webcrypto.subtle.importKey('pkcs8', createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'der' }), alg, true, ['sign']);
  const publicKey = await webcrypto.subtle.importKey('spki', createPublicKey(keyPem).export({ type: 'spki', format: 'der' }), alg, true, ['verify']);
  return { cert: certPem, key: keyPem, keys: { privateKey, publicKey } };
}
