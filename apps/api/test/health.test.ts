import type Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchInstance } from '../src/health/watch-instance.js';
import { waitHealthy } from '../src/health/wait-healthy.js';
import { DockerRuntime } from '../src/runtime/docker-runtime.js';
import type { InstanceSpec } from '../src/runtime/types.js';
import {
  HTTP_RESPONDER, RESPONDER_DOCKERFILE, STACK_IMAGE, buildTestImage, cleanupByLabel, requireDocker, testAppName, testLabels, testPlatformId, testRunId,
} from './helpers/docker.js';

const docker = await requireDocker();
const APP = testAppName('hc');
const IMAGE = `paas-test/health:${testRunId}`;

describe.skipIf(!docker)('waitHealthy against real instances', () => {
  const runtime = new DockerRuntime(docker as Dockerode, { platformId: testPlatformId, labels: testLabels });
  const start = async (service: string, over: Partial<InstanceSpec>) => {
    const state = await runtime.startInstance({
      app: APP, service, release: 'v1', index: 1, image: IMAGE, env: { PORT: '8080', PAAS_INSTANCE: `${service}.1` }, ports: [8080], ...over,
    });
    return { state, watch: watchInstance(runtime, state.id, `${service}.1`) };
  };
  const http = { kind: 'http' as const, host: '127.0.0.1', path: '/health', intervalMs: 100, appPort: 8080 };

  beforeAll(async () => {
    await buildTestImage(docker as Dockerode, { tag: IMAGE, dockerfile: RESPONDER_DOCKERFILE, files: { 'server.pl': HTTP_RESPONDER } });
  }, 120_000);

  afterAll(async () => {
    if (docker) await cleanupByLabel(docker);
  }, 60_000);

  it('is healthy once the app answers below 500', async () => {
    const { state, watch } = await start('www', {});
    const result = await waitHealthy({ ...http, port: state.addresses[8080]!.port, timeoutMs: 15_000, ...watch });
    expect(result).toEqual({ healthy: true });
  }, 20_000);

  it('reports an app that answers 500 until the deadline', async () => {
    const { state, watch } = await start('err', { env: { PORT: '8080', STATUS: '500' } });
    const started = Date.now();
    const result = await waitHealthy({ ...http, port: state.addresses[8080]!.port, timeoutMs: 2000, ...watch });
    expect(result).toEqual({ healthy: false, reason: 'GET /health answered 500' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(Date.now() - started).toBeLessThan(3500);
  }, 10_000);

  it('fails fast when the instance crashes on boot', async () => {
    const { state, watch } = await start('crash', { image: STACK_IMAGE, command: ['sh', '-c', 'echo boom; exit 1'] });
    const started = Date.now();
    const result = await waitHealthy({ ...http, port: state.addresses[8080]?.port ?? 9 /* gone with the crash */, timeoutMs: 30_000, ...watch });
    expect(result).toEqual({ healthy: false, reason: 'crash.1 exited with code 1 before becoming healthy' });
    expect(Date.now() - started).toBeLessThan(5000);
  }, 40_000);

  it('times out when the app listens on another port than $PORT says', async () => {
    const { state, watch } = await start('deaf', { env: { PORT: '9090' } });
    const started = Date.now();
    const result = await waitHealthy({ ...http, port: state.addresses[8080]!.port, timeoutMs: 1500, ...watch });
    expect(result).toEqual({ healthy: false, reason: 'no answer on its $PORT (8080) within 1.5 s; is it listening on 0.0.0.0:$PORT?' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect(Date.now() - started).toBeLessThan(3000);
  }, 10_000);

  it('calls a worker healthy when it is still running after aliveForMs', async () => {
    const { watch } = await start('worker', { image: STACK_IMAGE, command: ['sleep', 'infinity'], ports: [] });
    const started = Date.now();
    expect(await waitHealthy({ kind: 'worker', aliveForMs: 1500, timeoutMs: 10_000, ...watch })).toEqual({ healthy: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
  }, 15_000);

  it('calls a worker unhealthy when it exits within aliveForMs', async () => {
    const { watch } = await start('dying', { image: STACK_IMAGE, command: ['sh', '-c', 'sleep 0.5; exit 3'], ports: [] });
    const started = Date.now();
    const result = await waitHealthy({ kind: 'worker', aliveForMs: 5000, timeoutMs: 10_000, ...watch });
    expect(result).toEqual({ healthy: false, reason: 'dying.1 exited with code 3 before becoming healthy' });
    expect(Date.now() - started).toBeLessThan(4000);
  }, 15_000);
});
