import { createSecureContext, type SecureContext } from 'node:tls';
import type { TlsSet } from '@paas/core';

export type SniCallback = (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => void;

/**
 * The secure contexts of one TlsSet, built once when the set is installed
 * (never per handshake): exact names, one-label wildcards keyed by their
 * parent, and the default for clients that send no SNI or an unknown name.
 */
export class SniContexts {
  #exact = new Map<string, SecureContext>();
  #wild = new Map<string, SecureContext>();
  #fallback: SecureContext | null = null;
  /** The PEMs of the default certificate, for clients that send no SNI at all (server.setSecureContext). */
  #defaultPair: { cert: string; key: string } | null = null;

  /** Swaps in a set: builds every context first, then replaces the maps in one step. */
  install(set: TlsSet): void {
    const exact = new Map<string, SecureContext>();
    const wild = new Map<string, SecureContext>();
    let fallback: SecureContext | null = null;
    let defaultPair: { cert: string; key: string } | null = null;
    for (const c of set.certificates) {
      const context = createSecureContext({ cert: c.cert, key: c.key });
      for (const h of c.hosts) {
        // The first certificate that names a host wins.
        if (h.startsWith('*.')) {
          if (!wild.has(h.slice(2))) wild.set(h.slice(2), context);
        } else if (!exact.has(h)) exact.set(h, context);
      }
      if (c.id === set.defaultId) {
        fallback = context;
        defaultPair = { cert: c.cert, key: c.key };
      }
    }
    this.#exact = exact;
    this.#wild = wild;
    this.#fallback = fallback;
    this.#defaultPair = defaultPair;
  }

  get defaultPair(): { cert: string; key: string } | null {
    return this.#defaultPair;
  }

  /** Exact name, then the wildcard of its parent, then the default; null = no certificate. */
  select(servername: string): SecureContext | null {
    let name = servername.toLowerCase();
    if (name.endsWith('.')) name = name.slice(0, -1);
    const exact = this.#exact.get(name);
    if (exact !== undefined) return exact;
    const dot = name.indexOf('.');
    if (dot > 0) {
      const wild = this.#wild.get(name.slice(dot + 1));
      if (wild !== undefined) return wild;
    }
    return this.#fallback;
  }

  /** Called for every handshake that sends a name; `onMissing` hears about names nothing covers. */
  callback(onMissing: (servername: string) => void): SniCallback {
    return (servername, cb) => {
      const context = this.select(servername);
      if (context !== null) return cb(null, context);
      onMissing(servername);
      // A context without a certificate: the client gets a handshake_failure alert, never some other name's certificate.
      cb(null, noCertificate());
    };
  }
}

let empty: SecureContext | null = null;

function noCertificate(): SecureContext {
  empty ??= createSecureContext({});
  return empty;
}
