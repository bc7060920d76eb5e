import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PaasError } from '@paas/core';
import { checkPair } from '../src/tls/inspect-pair.js';
import { makeCertificate, type MadeCertificate } from '../src/tls/make-certificate.js';

const DAY = 86_400_000;
const now = new Date();
const ago = (days: number): Date => new Date(now.getTime() - days * DAY);

const root = await makeCertificate({ commonName: 'Test Root', ca: true, notBefore: ago(10), notAfter: ago(-3650) });
const intermediate = await makeCertificate({ commonName: 'Test Intermediate', ca: true, issuer: root, notBefore: ago(10), notAfter: ago(-1000) });
const leaf = await makeCertificate({ commonName: 'www.example.com', names: ['www.example.com', 'example.com'], issuer: intermediate, notBefore: ago(1), notAfter: ago(-90) });
const wildcard = await makeCertificate({ commonName: '*.example.com', names: ['*.example.com'], issuer: intermediate, notBefore: ago(1), notAfter: ago(-90) });
const chain = (...certs: MadeCertificate[]): string => certs.map((c) => c.cert).join('');

function refusal(fn: () => unknown): PaasError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PaasError);
    return err as PaasError;
  }
  throw new Error('expected a refusal');
}

describe('checkPair', () => {
  it('accepts a leaf with its intermediate and key, and says what it is', () => {
    const pair = checkPair(chain(leaf, intermediate), leaf.key, { host: 'www.example.com' });
    expect(pair.names).toEqual(['www.example.com', 'example.com']);
    expect(pair.issuer).toBe('Test Intermediate');
    expect(pair.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(pair.selfSigned).toBe(false);
    expect(pair.cert.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(pair.key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(pair.notAfter.getTime()).toBeGreaterThan(now.getTime() + 89 * DAY);
  });

  it('accepts the whole chain up to the root, and a wildcard for one label', () => {
    expect(checkPair(chain(leaf, intermediate, root), leaf.key, { host: 'example.com' }).names).toContain('example.com');
    expect(checkPair(chain(wildcard, intermediate), wildcard.key, { host: 'shop.example.com' }).names).toEqual(['*.example.com']);
    expect(checkPair(chain(wildcard), wildcard.key, { host: '*.example.com' }).names).toEqual(['*.example.com']);
  });

  it('refuses a key that is not the certificate\'s, without showing either key', () => {
    const err = refusal(() => checkPair(chain(leaf, intermediate), wildcard.key, { host: 'www.example.com' }));
    expect(err.code).toBe('CERT_KEY_MISMATCH');
    expect(err.message).toContain('www.example.com');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const rsaErr = refusal(() => checkPair(leaf.cert, rsa));
    expect(rsaErr.code).toBe('CERT_KEY_MISMATCH');
    for (const e of [err, rsaErr]) {
      expect(JSON.stringify(e.toBody())).not.toContain('PRIVATE KEY');
      expect(JSON.stringify(e.toBody())).not.toContain(wildcard.key.split('\n')[1]);
    }
  });

  it('refuses an expired certificate and one not valid yet, with the dates', async () => {
    const expired = await makeCertificate({ commonName: 'old.example.com', names: ['old.example.com'], issuer: intermediate, notBefore: ago(100), notAfter: ago(10) });
    const err = refusal(() => checkPair(chain(expired, intermediate), expired.key, { host: 'old.example.com' }));
    expect(err.code).toBe('CERT_EXPIRED');
    expect(err.message).toContain(ago(10).toISOString().slice(0, 10));
    const future = await makeCertificate({ commonName: 'new.example.com', names: ['new.example.com'], issuer: intermediate, notBefore: ago(-5), notAfter: ago(-95) });
    expect(refusal(() => checkPair(chain(future, intermediate), future.key)).code).toBe('CERT_EXPIRED');
  });

  it('refuses a certificate that does not cover the host, listing the names it has', () => {
    const err = refusal(() => checkPair(chain(leaf, intermediate), leaf.key, { host: 'shop.example.org' }));
    expect(err.code).toBe('CERT_HOST_MISMATCH');
    expect(err.message).toBe('the certificate does not cover shop.example.org: it is for www.example.com, example.com');
    // A wildcard covers exactly one label.
    expect(refusal(() => checkPair(wildcard.cert, wildcard.key, { host: 'a.b.example.com' })).code).toBe('CERT_HOST_MISMATCH');
    expect(refusal(() => checkPair(wildcard.cert, wildcard.key, { host: 'example.com' })).code).toBe('CERT_HOST_MISMATCH');
    // A wildcard host needs the wildcard itself, not a name under it.
    expect(refusal(() => checkPair(chain(leaf, intermediate), leaf.key, { host: '*.example.com' })).code).toBe('CERT_HOST_MISMATCH');
  });

  it('refuses a chain out of order or with a certificate that did not issue the one before', async () => {
    const reversed = refusal(() => checkPair(chain(leaf, root, intermediate), leaf.key));
    expect(reversed.code).toBe('CERT_INVALID');
    expect(reversed.message).toBe('certificate 2 of the chain (Test Root) did not issue certificate 1 (www.example.com)');
    const otherCa = await makeCertificate({ commonName: 'Test Intermediate', ca: true, notBefore: ago(10), notAfter: ago(-100) });
    // Same name, another key: the signature gives it away.
    expect(refusal(() => checkPair(chain(leaf, otherCa), leaf.key)).code).toBe('CERT_INVALID');
  });

  it('refuses what is not PEM: no certificate, a broken one, no key, an encrypted key', () => {
    expect(refusal(() => checkPair('hello', leaf.key)).message).toContain('no PEM certificate');
    const broken = leaf.cert.replace(/\n[A-Za-z0-9+/]{20}/, '\nAAAAAAAAAAAAAAAAAAAA');
    expect(refusal(() => checkPair(broken, leaf.key)).code).toBe('CERT_INVALID');
    const keyErr = refusal(() => checkPair(leaf.cert, leaf.cert));
    expect(keyErr.code).toBe('CERT_INVALID');
    expect(keyErr.message).toContain('no readable PEM private key');
    const encrypted = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }).toString();
    expect(refusal(() => checkPair(leaf.cert, encrypted)).message).toContain('encrypted');
  });
});
