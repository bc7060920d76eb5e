import type Dockerode from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../src/runtime/docker-runtime.js';
import { cleanupByLabel, requireDocker, testAppName, testLabels, testPlatformId } from './helpers/docker.js';

const docker = await requireDocker();

describe.skipIf(!docker)('app networks on one engine (reliability 39)', () => {
  // A pool of its own, so that this test never meets another run's networks.
  const runtime = new DockerRuntime(docker as Dockerode, { platformId: testPlatformId, labels: testLabels, pool: { base: '10.223.0.0/16', size: 26 } });

  afterAll(async () => {
    if (docker) await cleanupByLabel(docker);
  }, 120_000);

  it('40 apps get networks, each a small subnet of the platform pool (Docker\'s default pools run out near 30)', async () => {
    const apps = Array.from({ length: 40 }, (_, i) => testAppName(`net${i}`));
    for (const app of apps) await runtime.ensureNetwork(app);
    const networks = await (docker as Dockerode).listNetworks({ filters: { label: [`paas.platform=${testPlatformId}`] } });
    const subnets = networks.map((n) => n.IPAM?.Config?.[0]?.Subnet ?? '');
    expect(networks).toHaveLength(40);
    expect(new Set(subnets).size).toBe(40);
    for (const s of subnets) expect(s).toMatch(/^10\.223\.\d+\.\d+\/26$/);
    for (const app of apps) await runtime.removeNetwork(app);
  }, 120_000);
});
