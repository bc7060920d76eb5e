import { BlockList, isIP, isIPv4 } from 'node:net';
import type { TrustCheck } from './headers.js';

/**
 * PAAS_ROUTER_TRUSTED_PROXIES (already checked by config) as a check on a
 * socket's peer address; null when nobody is trusted, so the request path
 * skips the check altogether.
 */
export function trustCheck(list: readonly string[]): TrustCheck {
  if (list.length === 0) return null;
  const rules = new BlockList();
  for (const item of list) {
    const [address, bits] = item.split('/') as [string, string | undefined];
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) rules.addAddress(address, type);
    else rules.addSubnet(address, Number(bits), type);
  }
  return (peer) => {
    if (isIPv4(peer)) return rules.check(peer, 'ipv4');
    // A dual-stack listener reports IPv4 peers as ::ffff:a.b.c.d.
    if (peer.startsWith('::ffff:') && isIPv4(peer.slice(7))) return rules.check(peer.slice(7), 'ipv4') || rules.check(peer, 'ipv6');
    return isIP(peer) === 6 && rules.check(peer, 'ipv6');
  };
}
