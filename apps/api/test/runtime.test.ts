import type Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchInstance } from '../src/health/watch-instance.js';
import { waitHealthy } from '../src/health/wait-healthy.js';
import { DockerRuntime } from '../src/runtime/docker-runtime.js';
import type { InstanceSpec, InstanceState } from '../src/runtime/types.js';
import {
  HTTP_RESPONDER, RESPONDER_DOCKERFILE, STACK_IMAGE, buildTestImage, cleanupByLabel, requireDocker, testAppName, testLabels, testPlatformId, testRunId,
} from './helpers/docker.js';

const docker = await requireDocker();
const APP = testAppName('rt');
const IMAGE = `paas-test/runtime:${testRunId}`;

/** Values a shell would mangle; they must reach the app unchanged. */
const TRICKY_ENV: Record<string, string> = {
  PORT: '8080',
  PAAS_INSTANCE: 'www.1',
  SUBST: '$(id)',
  BACKTICKS: '`id`',
  QUOTES: `'single' "double" \\back`,
  NEWLINE: 'line1\nline2',
  SPACES: '  padded  ',
  EQUALS: 'a=b=c',
  UNICODE: 'héllo ✓',
  EMPTY: '',
};

describe.skipIf(!docker)('DockerRuntime against the real engine', () => {
  const engine = docker as Dockerode;
  const runtime = new DockerRuntime(engine, { platformId: testPlatformId, labels: testLabels });
  let www: InstanceState;

  const spec = (over: Partial<InstanceSpec>): InstanceSpec => ({
    app: APP, service: 'www', release: 'v1', index: 1, image: IMAGE, env: {}, ports: [], ...over,
  });

  beforeAll(async () => {
    await buildTestImage(engine, { tag: IMAGE, dockerfile: RESPONDER_DOCKERFILE, files: { 'server.pl': HTTP_RESPONDER } });
  }, 120_000);

  afterAll(async () => {
    if (docker) await cleanupByLabel(docker);
  }, 60_000);

  it('creates the app network once, labelled', async () => {
    await runtime.ensureNetwork(APP);
    await runtime.ensureNetwork(APP);
    const name = `paas-${testPlatformId}-${APP}`;
    const networks = await engine.listNetworks({ filters: { name: [name] } });
    expect(networks.map((n) => n.Name)).toEqual([name]);
    expect(networks[0]?.Driver).toBe('bridge');
    expect(networks[0]?.Labels).toEqual({ 'paas.app': APP, 'paas.managed': '1', 'paas.test': testRunId, 'paas.platform': testPlatformId });
    // A small subnet of the platform's pool, not one of Docker's default /16s.
    const subnet = networks[0]?.IPAM?.Config?.[0]?.Subnet ?? '';
    expect(subnet).toMatch(/^10\.(20[89]|21\d|22[0-3])\.\d+\.0\/24$/);
  });

  it('starts an isolated instance with labels, restart policy, limits and a loopback address that answers', async () => {
    www = await runtime.startInstance(spec({ env: TRICKY_ENV, ports: [8080], aliases: ['web'], limits: { memoryBytes: 64 * 1024 * 1024, cpus: 0.5, pids: 100 } }));
    expect(www).toMatchObject({ app: APP, service: 'www', release: 'v1', index: 1, running: true, exitCode: null, restartCount: 0 });
    expect(www.name).toMatch(new RegExp(`^paas-${testPlatformId}-${APP}-www-v1-1-[0-9a-f]{6}$`));
    expect(Object.keys(www.addresses)).toEqual(['8080']);
    expect(www.addresses[8080]?.host).toBe('127.0.0.1');
    const hostPort = www.addresses[8080]!.port;
    expect(hostPort).toBeGreaterThan(0);

    const info = await engine.getContainer(www.id).inspect();
    expect(info.Config.Labels).toEqual({
      'paas.stack': 'bookworm', 'paas.stack.rev': '2', // inherited from the image
      'paas.app': APP, 'paas.service': 'www', 'paas.release': 'v1', 'paas.instance': 'www.1', 'paas.managed': '1', 'paas.test': testRunId,
      'paas.platform': testPlatformId,
    });
    // Isolation (reliability 37): the app user, no capabilities, no new privileges, pids/CPU/memory limits, no swap, rotated logs.
    expect(info.Config.User).toBe('app');
    expect(info.HostConfig.CapDrop).toEqual(['ALL']);
    expect(info.HostConfig.CapAdd ?? null).toBeNull();
    expect(info.HostConfig.SecurityOpt).toEqual(['no-new-privileges:true']);
    expect(info.HostConfig.PidsLimit).toBe(100);
    expect(info.HostConfig.NanoCpus).toBe(500_000_000);
    expect(info.HostConfig.MemorySwap).toBe(64 * 1024 * 1024);
    expect(info.HostConfig.LogConfig).toEqual({ Type: 'json-file', Config: { 'max-file': '3', 'max-size': String(10 * 1024 * 1024) } });
    expect(info.HostConfig.RestartPolicy?.Name).toBe('unless-stopped');
    expect(info.HostConfig.PortBindings).toEqual({ '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
    expect(info.NetworkSettings.Ports['8080/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: String(hostPort) }]);
    expect(info.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(info.NetworkSettings.Networks[`paas-${testPlatformId}-${APP}`]?.Aliases).toContain('web');

    const health = await waitHealthy({ kind: 'http', host: '127.0.0.1', port: hostPort, path: '/', timeoutMs: 15_000, intervalMs: 100, ...watchInstance(runtime, www.id, 'www.1') });
    expect(health).toEqual({ healthy: true });
    const res = await fetch(`http://127.0.0.1:${hostPort}/hello`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('hello from www.1\n');
  }, 30_000);

  it('writes environment.json before start and passes env byte for byte', async () => {
    const json = await runtime.exec(www.id, 'cat /home/app/environment.json', 10_000);
    expect(json.exitCode).toBe(0);
    expect(JSON.parse(json.output)).toEqual(TRICKY_ENV);

    const mode = await runtime.exec(www.id, "stat -c '%u:%g %a' /home/app/environment.json", 10_000);
    expect(mode).toEqual({ exitCode: 0, output: '1000:1000 600\n' });

    // The running app's own environment, read from /proc (not through any shell expansion).
    const environ = await runtime.exec(
      www.id,
      `for p in /proc/[0-9]*; do [ "$(tr '\\0' ' ' < $p/cmdline 2>/dev/null)" = "perl /home/app/current/server.pl " ] && cat $p/environ; done`,
      10_000,
    );
    const seen = Object.fromEntries(
      environ.output.split('\0').filter((kv) => kv !== '').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    for (const [key, value] of Object.entries(TRICKY_ENV)) expect(seen[key], key).toBe(value);

    const logs = await runtime.tailLogs(www.id, 100);
    expect(logs[0]).toBe('environment.json present at boot');
  });

  it('execs as app in ~/current with interleaved output and the exit code', async () => {
    const result = await runtime.exec(www.id, 'id -un; pwd; sleep 0.2; echo oops >&2; exit 3', 10_000);
    expect(result).toEqual({ exitCode: 3, output: 'app\n/home/app/current\noops\n' });
    expect(await runtime.exec(www.id, `printf '%s|' "$SUBST" "it's \\"quoted\\""`, 10_000)).toEqual({ exitCode: 0, output: `$(id)|it's "quoted"|` });
  });

  it('kills an exec at its timeout and reports 124', async () => {
    const started = Date.now();
    const result = await runtime.exec(www.id, 'echo start; sleep 30', 1000);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(result).toEqual({ exitCode: 124, output: 'start\npaas: command timed out after 1 s and was killed\n' });
    const left = await runtime.exec(www.id, `for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline 2>/dev/null; echo; done | grep -c '^sleep 30' || true`, 10_000);
    expect(left.output).toBe('0\n');
  }, 15_000);

  it('tails the last lines of output', async () => {
    const port = www.addresses[8080]!.port;
    await fetch(`http://127.0.0.1:${port}/a`).then((r) => r.text());
    await fetch(`http://127.0.0.1:${port}/b`).then((r) => r.text());
    await expect.poll(() => runtime.tailLogs(www.id, 2), { timeout: 5000 }).toEqual(['request: GET /a HTTP/1.1', 'request: GET /b HTTP/1.1']);
    expect(await runtime.tailLogs(www.id, 0)).toEqual([]);
  });

  it('lists instances by app, service and release, only with its own labels', async () => {
    const worker = await runtime.startInstance(spec({ service: 'worker', image: STACK_IMAGE, command: ['sleep', 'infinity'] }));
    await runtime.startInstance(spec({ release: 'v2', image: STACK_IMAGE, command: ['sleep', 'infinity'] }));
    const keys = (list: InstanceState[]) => list.map((i) => `${i.service}.${i.index}@${i.release}`);

    expect(keys(await runtime.listInstances({ app: APP }))).toEqual(['worker.1@v1', 'www.1@v1', 'www.1@v2']);
    expect(keys(await runtime.listInstances({ app: APP, service: 'www' }))).toEqual(['www.1@v1', 'www.1@v2']);
    expect(keys(await runtime.listInstances({ app: APP, release: 'v2' }))).toEqual(['www.1@v2']);
    expect(await runtime.listInstances({ app: `${APP}-other` })).toEqual([]);
    const stranger = new DockerRuntime(engine, { platformId: testPlatformId, labels: { 'paas.test': `${testRunId}-someone-else` } });
    expect(await stranger.listInstances({ app: APP })).toEqual([]);
    // Another platform on the same engine sees none of this one's apps (reliability 36).
    const otherPlatform = new DockerRuntime(engine, { platformId: `${testPlatformId}x`, labels: testLabels });
    expect(await otherPlatform.listInstances({ app: APP })).toEqual([]);

    // Without ~/current (no code deployed) exec starts in ~.
    expect(await runtime.exec(worker.id, 'id -un; pwd', 10_000)).toEqual({ exitCode: 0, output: 'app\n/home/app\n' });
  }, 30_000);

  it('gives a restarted instance of the same number a name of its own, and refuses a missing image', async () => {
    const again = await runtime.startInstance(spec({ service: 'worker', image: STACK_IMAGE, command: ['sleep', 'infinity'] }));
    const workers = await runtime.listInstances({ app: APP, service: 'worker' });
    expect(workers.map((w) => w.index)).toEqual([1, 1]);
    expect(new Set(workers.map((w) => w.name)).size).toBe(2);
    await runtime.stopInstance(again.id, 0);
    await expect(runtime.startInstance(spec({ index: 9, image: `paas-test/missing:${testRunId}` }))).rejects.toMatchObject({
      code: 'DEPLOY_FAILED', message: expect.stringMatching(new RegExp(`^image paas-test/missing:${testRunId} not found for paas-${testPlatformId}-${APP}-www-v1-9-`)),
    });
  });

  it('stops with SIGTERM, SIGKILL after the grace period, then removes', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const stubborn = await runtime.startInstance(spec({
      service: 'stubborn', image: STACK_IMAGE,
      command: ['bash', '-c', 'trap "echo got TERM" TERM; while :; do sleep 0.1; done'],
    }));
    const started = Date.now();
    await runtime.stopInstance(stubborn.id, 2000);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(1900);
    expect(took).toBeLessThan(6000);
    expect(await runtime.inspectInstance(stubborn.id)).toBeNull();

    const events = await engine.getEvents({ since, until: Math.ceil(Date.now() / 1000), filters: { container: [stubborn.id] } });
    let text = '';
    for await (const chunk of events) text += chunk.toString();
    const actions = text.trim().split('\n').map((l) => JSON.parse(l) as { Action: string; Actor: { Attributes: Record<string, string> } })
      .map((e) => (e.Action === 'kill' ? `kill ${e.Actor.Attributes.signal}` : e.Action));
    // extract-to-dir before start: environment.json is in place when the app boots.
    expect(actions).toEqual(['create', 'extract-to-dir', 'start', 'kill 15', 'kill 9', 'die', 'stop', 'destroy']);

    // A process that exits on SIGTERM does not wait for the grace period.
    const [v2] = await runtime.listInstances({ app: APP, release: 'v2' });
    const quick = Date.now();
    await runtime.stopInstance((v2 as InstanceState).id, 10_000);
    expect(Date.now() - quick).toBeLessThan(3000);
    await expect(runtime.stopInstance(stubborn.id, 1000)).resolves.toBeUndefined();
  }, 30_000);

  it('reports a missing instance as null and no logs', async () => {
    expect(await runtime.inspectInstance('0123456789abcdef-missing')).toBeNull();
    expect(await runtime.tailLogs('0123456789abcdef-missing', 10)).toEqual([]);
  });

  it("removes this platform's images of the app, and only those", async () => {
    const gone = `paas-test/rt-gone:${testRunId}`;
    const kept = `paas-test/rt-kept:${testRunId}`;
    const otherPlatform = `paas-test/rt-other:${testRunId}`;
    const mine = { 'paas.platform': testPlatformId };
    await buildTestImage(engine, { tag: gone, dockerfile: `FROM ${STACK_IMAGE}\nLABEL note=gone\n`, labels: { ...mine, 'paas.app': `${APP}-img` } });
    await buildTestImage(engine, { tag: kept, dockerfile: `FROM ${STACK_IMAGE}\nLABEL note=kept\n`, labels: { ...mine, 'paas.app': `${APP}-kept` } });
    await buildTestImage(engine, { tag: otherPlatform, dockerfile: `FROM ${STACK_IMAGE}\nLABEL note=other\n`, labels: { 'paas.platform': `${testPlatformId}x`, 'paas.app': `${APP}-img` } });
    await runtime.removeAppImages(`${APP}-img`);
    expect(await engine.listImages({ filters: { label: [`paas.app=${APP}-img`, `paas.platform=${testPlatformId}`] } })).toEqual([]);
    expect((await engine.listImages({ filters: { label: [`paas.app=${APP}-img`] } })).length).toBe(1); // the other platform's
    expect((await engine.listImages({ filters: { label: [`paas.app=${APP}-kept`] } })).length).toBe(1);
  }, 60_000);

  it('removes the app network once its instances are gone', async () => {
    for (const instance of await runtime.listInstances({ app: APP })) await runtime.stopInstance(instance.id, 1000);
    expect(await runtime.listInstances({ app: APP })).toEqual([]);
    await runtime.removeNetwork(APP);
    await expect(engine.getNetwork(`paas-${testPlatformId}-${APP}`).inspect()).rejects.toMatchObject({ statusCode: 404 });
    await expect(runtime.removeNetwork(APP)).resolves.toBeUndefined();
  }, 30_000);
});
