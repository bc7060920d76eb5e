import Dockerode from 'dockerode';

/**
 * PAAS_SWARM_ENGINES: how the API reaches each node's own engine, for what a
 * swarm manager cannot do for another node: exec (`paas run`, postinstall,
 * readiness checks), stats, a data service's volume, and container events.
 * `NAME=unix:///path/docker.sock` or `NAME=tcp://HOST:PORT`, separated by
 * spaces or commas; NAME is the node's host name (`paas nodes`). The
 * manager's own engine (DOCKER_HOST) needs no entry.
 */
export function parseSwarmEngines(value: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of (value ?? '').split(/[\s,]+/).filter((s) => s !== '')) {
    const eq = item.indexOf('=');
    const name = eq > 0 ? item.slice(0, eq) : '';
    const url = item.slice(eq + 1);
    if (!/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(name) || !ENGINE_URL.test(url)) {
      throw new Error(`PAAS_SWARM_ENGINES: ${JSON.stringify(item)} is not NODE=unix:///path/docker.sock or NODE=tcp://HOST:PORT`);
    }
    if (out.has(name)) throw new Error(`PAAS_SWARM_ENGINES names ${name} twice`);
    out.set(name, url);
  }
  return out;
}

const ENGINE_URL = /^(unix:\/\/\/.+|tcp:\/\/[^/\s]+:\d+)$/;

/** PAAS_SWARM_MANAGER: an engine URL, or unset (the manager is DOCKER_HOST). */
export function swarmManagerSetting(value: string | undefined): string | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  if (!ENGINE_URL.test(v)) throw new Error(`PAAS_SWARM_MANAGER must be unix:///path/docker.sock or tcp://HOST:PORT (it is ${JSON.stringify(value)})`);
  return v;
}

/** A Dockerode client for an engine URL of PAAS_SWARM_ENGINES. */
export function engineClient(url: string): Dockerode {
  if (url.startsWith('unix://')) return new Dockerode({ socketPath: url.slice('unix://'.length) });
  const u = new URL(url.replace(/^tcp:/, 'http:'));
  return new Dockerode({ host: u.hostname, port: Number(u.port), protocol: 'http' });
}
