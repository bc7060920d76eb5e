import type { IncomingMessage } from 'node:http';

export interface ScannedRequest {
  /** For the upstream: flat [name, value, …]. */
  headers: string[];
  /** The first Host header, as sent ('' when missing). */
  host: string;
  /** More than one Host header: the request is refused (reliability 46). */
  hostTwice: boolean;
  contentLength: string | undefined;
  chunked: boolean;
}

/** Who may tell the router who the client is: a peer address → whether its forwarding headers are believed. */
export type TrustCheck = ((peer: string) => boolean) | null;

/**
 * One pass over rawHeaders (req.headers is built lazily by node; the hot path
 * never asks for it): the headers for the upstream with hop-by-hop headers
 * dropped and the forwarding headers set, plus what routing needs. Names are
 * compared by length first so most headers cost one switch and no lower-casing.
 *
 * X-Forwarded-For, X-Real-IP and Forwarded sent by the client are replaced
 * with the socket's address (reliability 44); only a peer that `trusted`
 * accepts (PAAS_ROUTER_TRUSTED_PROXIES) has its X-Forwarded-For and
 * Forwarded appended to and its X-Real-IP kept.
 */
export function scanRequest(req: IncomingMessage, keepUpgrade: boolean, proto: 'http' | 'https', trusted: TrustCheck): ScannedRequest {
  const raw = req.rawHeaders;
  const out: string[] = [];
  let forwardedFor: string | undefined;
  let forwarded: string | undefined;
  let realIp: string | undefined;
  let host: string | undefined;
  let hostTwice = false;
  let contentLength: string | undefined;
  let chunked = false;
  let connectionTokens: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    switch (name.length) {
      case 2: // te
      case 6: // expect (node answered 100-continue already; undici refuses it)
      case 7: // trailer, upgrade
      case 10: // connection, keep-alive
      case 16: // proxy-connection, x-forwarded-host
      case 17: { // transfer-encoding, x-forwarded-proto
        const lower = name.toLowerCase();
        if (lower === 'connection') {
          connectionTokens = value;
          if (keepUpgrade) out.push(name, value);
          continue;
        }
        if (lower === 'upgrade') {
          if (keepUpgrade) out.push(name, value);
          continue;
        }
        if (lower === 'transfer-encoding') {
          chunked = true;
          continue;
        }
        if (
          lower === 'te' || lower === 'expect' || lower === 'trailer' || lower === 'keep-alive' ||
          lower === 'proxy-connection' ||
          lower === 'x-forwarded-host' || lower === 'x-forwarded-proto'
        ) continue;
        break;
      }
      case 4: // host
        if (name.toLowerCase() === 'host') {
          if (host === undefined) host = value;
          else hostTwice = true;
        }
        break;
      case 9: { // forwarded, x-real-ip
        const lower = name.toLowerCase();
        if (lower === 'forwarded') {
          forwarded = forwarded === undefined ? value : `${forwarded}, ${value}`;
          continue;
        }
        if (lower === 'x-real-ip') {
          realIp ??= value;
          continue;
        }
        break;
      }
      case 14: // content-length
        if (name.toLowerCase() === 'content-length') contentLength = value;
        break;
      case 15: // x-forwarded-for
        if (name.toLowerCase() === 'x-forwarded-for') {
          forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
          continue;
        }
        break;
    }
    out.push(name, value);
  }
  if (connectionTokens !== undefined) dropConnectionListed(out, connectionTokens);
  const client = req.socket.remoteAddress ?? '';
  const hop = `for=${client.includes(':') ? `"[${client}]"` : client};proto=${proto}`;
  if (trusted !== null && (forwardedFor !== undefined || forwarded !== undefined || realIp !== undefined) && trusted(client)) {
    out.push(
      'x-forwarded-for', forwardedFor === undefined ? client : `${forwardedFor}, ${client}`,
      'x-real-ip', realIp ?? client,
      'forwarded', forwarded === undefined ? hop : `${forwarded}, ${hop}`,
    );
  } else {
    out.push('x-forwarded-for', client, 'x-real-ip', client, 'forwarded', hop);
  }
  out.push('x-forwarded-proto', proto, 'x-forwarded-host', host ?? '');
  return { headers: out, host: host ?? '', hostTwice, contentLength, chunked };
}

/** Headers named in Connection are hop-by-hop too (RFC 9110 §7.6.1). Rare, so the slow path is fine. */
function dropConnectionListed(out: string[], tokens: string): void {
  const names = tokens.toLowerCase().split(',').map((s) => s.trim())
    .filter((s) => s !== '' && s !== 'close' && s !== 'keep-alive' && s !== 'upgrade');
  if (names.length === 0) return;
  for (let i = out.length - 2; i >= 0; i -= 2) {
    if (names.includes(out[i]!.toLowerCase())) out.splice(i, 2);
  }
}

/**
 * undici's raw response headers as a flat [name, value, …] array for
 * writeHead, minus the headers that describe the upstream connection rather
 * than the response. latin1 both ways keeps the bytes as the upstream sent them.
 * With `dropHsts` (the route sets HSTS itself) the app's own header is left out.
 */
export function responseHeaders(raw: Buffer[], dropHsts = false): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1');
    switch (name.length) {
      case 7: // upgrade, trailer
      case 10: // connection, keep-alive
      case 16: // proxy-connection
      case 17: { // transfer-encoding
        const lower = name.toLowerCase();
        if (
          lower === 'connection' || lower === 'keep-alive' || lower === 'transfer-encoding' ||
          lower === 'proxy-connection' || lower === 'upgrade' || lower === 'trailer'
        ) continue;
        break;
      }
      case 25: // strict-transport-security: the route's own policy replaces the app's
        if (dropHsts && name.toLowerCase() === 'strict-transport-security') continue;
        break;
    }
    out.push(name, raw[i + 1]!.toString('latin1'));
  }
  return out;
}
