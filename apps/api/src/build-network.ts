import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { promisify } from 'node:util';
import type Dockerode from 'dockerode';
import type { AddressPool } from './runtime/address-pool.js';
import { engineUnless404 } from './runtime/engine-errors.js';
import { createPoolNetwork } from './runtime/pool-network.js';
import { LABEL } from './runtime/names.js';

const run = promisify(execFile);

export interface BuildNetwork {
  /** The network the RUN steps of every build use. */
  name: string;
  /** Whether the host firewall drops the build network's traffic to the host's own addresses. */
  firewalled: boolean;
  /** Removes the firewall rule and the network (at shutdown; builds have ended). */
  close(): Promise<void>;
}

export interface BuildNetworkOptions {
  platformId: string;
  labels: Record<string, string>;
  pool: AddressPool;
  log(msg: string): void;
  /** Written by paas-build-guard.service once its rule for every build bridge (pb-+) is in place. */
  guardMarker?: string;
}

export const GUARD_MARKER = '/run/paas-build-guard/firewall';

/** The bridge's interface name: at most 15 characters, known in advance so the firewall rule can name it. */
export function buildBridgeName(platformId: string): string {
  return `pb-${platformId}`;
}

/**
 * The network builds run on (reliability 50). Everything the platform serves
 * listens on 127.0.0.1, which a container cannot reach through the bridge
 * (route_localnet is off); what the host serves on all its addresses (the
 * router's public port, an API bound to 0.0.0.0, anything else of the host)
 * is cut by one INPUT rule that drops every packet from the build bridge to
 * the host itself. Forwarded traffic (the Debian mirror, npm) is untouched,
 * and names resolve through the engine's resolver inside the container.
 * Builds do not see each other either: the bridge has inter-container
 * traffic off.
 */
export async function openBuildNetwork(docker: Dockerode, opts: BuildNetworkOptions): Promise<BuildNetwork> {
  const name = `paas-${opts.platformId}-build`;
  const bridge = buildBridgeName(opts.platformId);
  await ensureNetwork(docker, name, bridge, opts);
  const rule = ['INPUT', '-i', bridge, '-m', 'comment', '--comment', name, '-j', 'DROP'];
  let firewalled = false;
  try {
    const present = await iptables(['-C', ...rule]).then(() => true, () => false);
    if (!present) await iptables(['-I', ...rule]);
    firewalled = true;
  } catch (err) {
    // A non-root API (systemd) relies on the guard's one rule for every build bridge.
    if (await access(opts.guardMarker ?? GUARD_MARKER).then(() => true, () => false)) {
      firewalled = true;
      opts.log('builds: kept off the host by the firewall rule of paas-build-guard.service');
    } else {
      opts.log(`builds: cannot add the firewall rule that keeps builds off the host (${firstLine(err)}); builds can reach what the host serves on all its addresses. Run the API as root with iptables installed, or enable paas-build-guard.service.`);
    }
  }
  return {
    name,
    firewalled,
    async close() {
      // -C before each -D: a rule added twice (two starts after a crash) goes too.
      for (let i = 0; i < 8 && (await iptables(['-C', ...rule]).then(() => true, () => false)); i++) {
        await iptables(['-D', ...rule]).catch(() => undefined);
      }
      await engineUnless404(docker.getNetwork(name).remove()).catch(() => undefined);
    },
  };
}

async function ensureNetwork(docker: Dockerode, name: string, bridge: string, opts: BuildNetworkOptions): Promise<void> {
  const labels = { ...opts.labels, [LABEL.platform]: opts.platformId, [LABEL.managed]: '1' };
  const options = { 'com.docker.network.bridge.name': bridge, 'com.docker.network.bridge.enable_icc': 'false' };
  if (!(await createPoolNetwork(docker, opts.pool, { name, labels, options }))) {
    throw new Error(`no free subnet left in the address pool ${opts.pool.base} for the build network`);
  }
}

async function iptables(args: string[]): Promise<void> {
  await run('iptables', ['-w', ...args], { timeout: 10_000 });
}

function firstLine(err: unknown): string {
  const e = err as { stderr?: string; message?: string };
  return (e.stderr?.trim() || e.message || String(err)).split('\n')[0] ?? '';
}
