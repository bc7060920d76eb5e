import type Dockerode from 'dockerode';
import { freeSubnets, type AddressPool } from './address-pool.js';
import { engine, engineUnless404, statusCodeOf, toEngineError } from './engine-errors.js';

export interface PoolNetwork {
  name: string;
  labels: Record<string, string>;
  /** Driver options, e.g. the bridge's interface name. */
  options?: Record<string, string>;
}

/**
 * Creates a bridge network with the first subnet of the platform's pool the
 * engine has free (reliability 39), unless one of that name exists. Returns
 * false when the pool has none left: the caller says what that means.
 */
export async function createPoolNetwork(docker: Dockerode, pool: AddressPool, net: PoolNetwork): Promise<boolean> {
  if (await engineUnless404(docker.getNetwork(net.name).inspect())) return true;
  const taken = (await engine(docker.listNetworks()))
    .flatMap((n) => n.IPAM?.Config ?? [])
    .map((c) => c.Subnet)
    .filter((s): s is string => typeof s === 'string');
  let tries = 0;
  for (const { subnet, gateway } of freeSubnets(pool, taken)) {
    try {
      await docker.createNetwork({
        Name: net.name,
        Driver: 'bridge',
        CheckDuplicate: true, // the engine otherwise allows two networks with one name
        IPAM: { Driver: 'default', Config: [{ Subnet: subnet, Gateway: gateway }] },
        ...(net.options === undefined ? {} : { Options: net.options }),
        Labels: net.labels,
      });
      return true;
    } catch (err) {
      if (statusCodeOf(err) === 409) return true; // created concurrently
      // Another platform on this engine took the subnet since we listed: try the next one.
      if (/overlap/i.test((err as Error).message) && ++tries < 64) continue;
      throw toEngineError(err);
    }
  }
  return false;
}
