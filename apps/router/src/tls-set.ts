import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import type { TlsSet, TlsSummary } from '@paas/core';
import { isRouteHost } from './route-table.js';

/** Generous: one certificate per custom domain, and a PUT body stays far below the control port's limit. */
const maxCertificates = 5_000;

export const emptyTlsSet: TlsSet = Object.freeze({ version: 0, certificates: Object.freeze([]) }) as unknown as TlsSet;

/** The certificates of a PEM bundle, leaf first; throws if a block does not parse. */
export function parseChain(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}

/**
 * Checks an untrusted body is a TlsSet the router can serve: every PEM
 * parses, each key matches its leaf, names are host names or one-label
 * wildcards, ids are unique and defaultId names one of them. Messages never
 * quote a key (nor a certificate).
 */
export function findTlsProblem(value: unknown): { path: string; message: string } | null {
  if (!isObject(value)) return { path: '', message: 'must be an object' };
  const { version, certificates, defaultId } = value;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) return { path: 'version', message: 'must be a whole number ≥ 0' };
  if (!Array.isArray(certificates) || certificates.length > maxCertificates) return { path: 'certificates', message: `must be an array of at most ${maxCertificates}` };
  const ids = new Set<string>();
  for (const [i, c] of (certificates as unknown[]).entries()) {
    const at = `certificates.${i}`;
    if (!isObject(c)) return { path: at, message: 'must be an object' };
    if (typeof c.id !== 'string' || !/^[A-Za-z0-9._:-]{1,128}$/.test(c.id)) return { path: `${at}.id`, message: 'must be 1 to 128 letters, digits, . _ : -' };
    if (ids.has(c.id)) return { path: `${at}.id`, message: `${c.id} is there twice` };
    ids.add(c.id);
    if (!Array.isArray(c.hosts) || c.hosts.length > 100) return { path: `${at}.hosts`, message: 'must be an array of at most 100 names' };
    for (const [j, h] of (c.hosts as unknown[]).entries()) {
      if (typeof h !== 'string' || !isRouteHost(h)) return { path: `${at}.hosts.${j}`, message: 'must be a lower-case host name or *.domain.tld' };
    }
    if (typeof c.cert !== 'string' || typeof c.key !== 'string') return { path: at, message: 'cert and key must be PEM strings' };
    const problem = findPairProblem(c.cert, c.key);
    if (problem !== null) return { path: `${at}.${problem.field}`, message: problem.message };
  }
  if (defaultId !== undefined && (typeof defaultId !== 'string' || !ids.has(defaultId))) return { path: 'defaultId', message: 'must be the id of one of the certificates' };
  return null;
}

function findPairProblem(cert: string, key: string): { field: 'cert' | 'key'; message: string } | null {
  let chain: X509Certificate[];
  try {
    chain = parseChain(cert);
  } catch {
    return { field: 'cert', message: 'a certificate in the PEM does not parse' };
  }
  if (chain.length === 0) return { field: 'cert', message: 'holds no PEM certificate' };
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    return { field: 'key', message: 'is not a PEM private key (or it is encrypted)' };
  }
  if (!chain[0]!.checkPrivateKey(privateKey)) return { field: 'key', message: 'does not match the certificate (the first one in cert)' };
  try {
    createSecureContext({ cert, key });
  } catch {
    return { field: 'cert', message: 'the pair cannot be served over TLS' };
  }
  return null;
}

/** A copy with only the contract's fields, so what is saved and served is exactly what was checked. */
export function normalizeTlsSet(set: TlsSet): TlsSet {
  const out: TlsSet = {
    version: set.version,
    certificates: set.certificates.map((c) => ({ id: c.id, cert: c.cert, key: c.key, hosts: [...c.hosts] })),
  };
  if (set.defaultId !== undefined) out.defaultId = set.defaultId;
  return out;
}

/** GET /tls: what is served, never a key. */
export function summarizeTlsSet(set: TlsSet): TlsSummary {
  const out: TlsSummary = {
    version: set.version,
    certificates: set.certificates.map((c) => ({ id: c.id, hosts: [...c.hosts], notAfter: new Date(parseChain(c.cert)[0]!.validTo).toISOString() })),
  };
  if (set.defaultId !== undefined) out.defaultId = set.defaultId;
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
