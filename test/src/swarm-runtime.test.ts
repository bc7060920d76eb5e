import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyApp, writeVersion } from './harness/app-dir.js';
import { freePortOn, LAB_SCRIPT, run, type Ran } from './harness/lab.js';
import { assertDocker } from './harness/docker.js';
import { getVia, startLoad } from './harness/http.js';
import { startPlatform, type Platform } from './harness/platform.js';

// PAAS_RUNTIME=swarm for real, on a lab of infra/swarm-lab.sh (two engines
// in network namespaces of their own, one swarm): the API builds on the
// main engine, pushes release images to the platform's own registry on the
// lab's host address, and runs each instance as a one-replica Swarm service
// whose tasks publish in host mode on their node's address; the router on
// this machine targets them there. The lab has its own name, subnet and
// directory; the main engine's containers are not touched.
const SCRIPT = LAB_SCRIPT;
const NAME = 'paas-e2esw';
const PREFIX = '10.219.79';
const HOST_IP = `${PREFIX}.1`;
const DIR = join(tmpdir(), `paas-e2e-sw-${randomBytes(3).toString('hex')}`);
const LAB_ENV = { ...process.env, PAAS_LAB_NAME: NAME, PAAS_LAB_SUBNET: `${PREFIX}.0/24`, PAAS_LAB_DIR: DIR, PAAS_LAB_NODES: '2' };
const sock = (i: number): string => `unix://${DIR}/${NAME}-${i}/docker.sock`;
const APP = 'spread';
const HOST = `${APP}.localhost`;

const lab = (...args: string[]): Promise<Ran> => run('bash', [SCRIPT, ...args], LAB_ENV);
const onNode = (i: number, ...args: string[]): Promise<Ran> => run('docker', ['-H', sock(i), ...args], process.env, 60_000);

interface Ps { name: string; release: string; state: string; address?: string; node?: string }

let p: Platform;
let dir = '';
let registryAddress = '';
const certsRootExisted = existsSync('/etc/docker/certs.d');

const ps = async (): Promise<Ps[]> => {
  const r = await p.paas(['ps', '--json'], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Ps[];
};
/** The node address each running instance is reached on. */
const hostsOf = (list: Ps[]): Set<string> => new Set(list.filter((i) => i.state === 'healthy' || i.state === 'running').map((i) => (i.address ?? '').split(':')[0] ?? ''));

async function whoAnswers(n: number): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) seen.add((await getVia(p.routerPort, HOST, '/whoami')).body.trim().split(' ')[0] ?? '');
  return seen;
}

beforeAll(async () => {
  await assertDocker();
  expect(existsSync('/usr/bin/docker-registry'), 'apt-get install docker-registry').toBe(true);
  await mkdir(DIR, { recursive: true });
  const up = await lab('up');
  expect(up.code, up.stderr).toBe(0);
  const port = await freePortOn(HOST_IP);
  registryAddress = `${HOST_IP}:${port}`;
  p = await startPlatform({
    PAAS_RUNTIME: 'swarm',
    PAAS_SWARM_MANAGER: sock(1),
    PAAS_SWARM_ENGINES: `${NAME}-1=${sock(1)},${NAME}-2=${sock(2)}`,
    PAAS_REGISTRY_ADDR: registryAddress,
  });
  dir = await copyApp('test/fixtures/versioned');
  await writeFile(join(dir, 'paas.yml'), (await readFile(join(dir, 'paas.yml'), 'utf8')).replace('www:\n', 'www:\n  instances: 4\n'));
  await writeVersion(dir, 'v-1');
}, 300_000);

afterAll(async () => {
  // An engine of the lab that died during the run says why in its log, which goes with the lab.
  for (const i of [1, 2]) {
    if ((await onNode(i, 'version', '--format', '{{.Server.Version}}')).code === 0) continue;
    const log = await readFile(join(DIR, `${NAME}-${i}`, 'dockerd.log'), 'utf8').catch(() => '');
    console.error(`${NAME}-${i}'s engine does not answer; the end of its dockerd.log:\n${log.split('\n').slice(-60).join('\n')}`);
  }
  await p?.stop();
  await lab('down');
  await rm(DIR, { recursive: true, force: true });
  if (registryAddress !== '') await rm(`/etc/docker/certs.d/${registryAddress}`, { recursive: true, force: true });
  if (!certsRootExisted) await rmdir('/etc/docker/certs.d').catch(() => undefined);
}, 300_000);

describe('PAAS_RUNTIME=swarm on a two-node lab', () => {
  it('a push with instances: 4 runs them on both nodes, all answering through the router, images by digest from the platform registry', async () => {
    expect((await p.paas(['create', APP], { cwd: dir })).code).toBe(0);
    const push = await p.paas(['push'], { cwd: dir });
    expect(push.code, push.stdout + push.stderr).toBe(0);
    const list = await ps();
    expect(list.map((i) => i.name).sort()).toEqual(['www.1', 'www.2', 'www.3', 'www.4']);
    expect([...hostsOf(list)].sort()).toEqual([`${PREFIX}.11`, `${PREFIX}.12`]);
    expect([...(await whoAnswers(40))].sort()).toEqual(['www.1', 'www.2', 'www.3', 'www.4']);
    // Every task runs the release image by digest, from the platform's registry on the lab's host address.
    const services = await onNode(1, 'service', 'ls', '--filter', `label=paas.test=${p.runId}`, '--format', '{{.Image}}');
    const images = new Set(services.stdout.split('\n').filter(Boolean));
    expect(images.size).toBe(1);
    expect([...images][0]).toMatch(new RegExp(`^${registryAddress.replace(/\./g, '\\.')}/paas-[a-z0-9]+/${APP}/www@sha256:[0-9a-f]{64}$`));
    // The nodes have no route out of the lab: the only registry they could pull from is the platform's.
    for (const i of [1, 2]) {
      const route = await run('ip', ['netns', 'exec', `${NAME}-${i}`, 'ip', 'route', 'show', 'default']);
      expect(route.stdout.trim()).toBe('');
    }
  });

  it('a code push under steady load: 0 failed requests, the new code served', async () => {
    await writeVersion(dir, 'v-2');
    const load = startLoad(p.routerPort, HOST, { concurrency: 4, intervalMs: 40, maxMs: 240_000, maxRequests: 20_000 });
    let pushed;
    try {
      pushed = await p.paas(['push'], { cwd: dir });
      await new Promise((r) => setTimeout(r, 1_000));
    } finally {
      await load.stop();
    }
    expect(pushed.code, pushed.stdout + pushed.stderr).toBe(0);
    expect(load.report.failures).toEqual([]);
    expect([...load.report.bodies.keys()].sort()).toEqual(['version v-1', 'version v-2']);
    expect((await getVia(p.routerPort, HOST)).body).toBe('version v-2\n');
    // The old release's services are gone from the swarm once retired.
    await expect.poll(async () => (await onNode(1, 'service', 'ls', '-q', '--filter', `label=paas.test=${p.runId}`)).stdout.split('\n').filter(Boolean).length, { timeout: 60_000 }).toBe(4);
  });

  it('scale www=1 then www=4 under load: 0 failed requests; back on both nodes', async () => {
    const load = startLoad(p.routerPort, HOST, { concurrency: 4, intervalMs: 40, maxMs: 240_000, maxRequests: 20_000 });
    let down, up;
    try {
      down = await p.paas(['scale', 'www=1'], { cwd: dir });
      up = await p.paas(['scale', 'www=4'], { cwd: dir });
    } finally {
      await load.stop();
    }
    expect(down.code, down.stdout + down.stderr).toBe(0);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect(load.report.failures).toEqual([]);
    const list = await ps();
    expect(list.map((i) => i.name).sort()).toEqual(['www.1', 'www.2', 'www.3', 'www.4']);
    expect(hostsOf(list).size).toBe(2);
  });

  it('logs of all instances on both nodes, and paas run in an instance on the worker', async () => {
    const logs = await p.paas(['logs', '--no-follow', '-n', '200'], { cwd: dir });
    expect(logs.code, logs.stderr).toBe(0);
    for (const n of [1, 2, 3, 4]) expect(logs.stdout).toMatch(new RegExp(`www\\.${n} \\|`));
    const onWorker = (await ps()).find((i) => (i.address ?? '').startsWith(`${PREFIX}.12:`));
    expect(onWorker, 'an instance on the worker').toBeDefined();
    const ran = await p.paas(['run', onWorker?.name ?? '', '--', 'sh', '-c', 'echo hi from $(hostname)'], { cwd: dir });
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/^hi from /m);
    // ~/environment.json is a Swarm secret, readable by the app user.
    const oneOff = await p.paas(['run', 'www', '--', 'cat', '/home/app/environment.json'], { cwd: dir });
    expect(oneOff.code, oneOff.stderr).toBe(0);
    expect(oneOff.stdout).toContain('"PAAS_APP"');
  });

  it('a node that dies under load: only requests in flight to it fail, its instances start again on the other node; it returns ready', async () => {
    const before = await ps();
    const onWorker = before.filter((i) => (i.address ?? '').startsWith(`${PREFIX}.12:`)).map((i) => i.name);
    expect(onWorker.length).toBeGreaterThan(0);
    const load = startLoad(p.routerPort, HOST, { concurrency: 4, intervalMs: 40, maxMs: 120_000, maxRequests: 20_000 });
    let killedAt = 0;
    let movedAt = 0;
    try {
      await new Promise((r) => setTimeout(r, 2_000));
      killedAt = Date.now();
      const killed = await lab('kill-node', '2');
      expect(killed.code, killed.stderr).toBe(0);
      // Swarm marks the node down and starts its tasks on the manager's node; paas ps shows them there.
      await expect.poll(async () => {
        const now = await ps();
        return now.filter((i) => i.state === 'healthy' && (i.address ?? '').startsWith(`${PREFIX}.11:`)).length;
      }, { timeout: 90_000, interval: 1_000 }).toBe(4);
      movedAt = Date.now();
      await new Promise((r) => setTimeout(r, 3_000));
    } finally {
      await load.stop();
      // The node boots again whatever happened, so that a failure here leaves the lab whole for the next tests.
      const back = await lab('start-node', '2');
      expect(back.code, back.stderr).toBe(0);
    }
    await expect.poll(async () => {
      const r = await onNode(1, 'node', 'ls', '--format', '{{.Hostname}} {{.Status}}');
      return r.stdout.includes(`${NAME}-2 Ready`);
    }, { timeout: 60_000, interval: 1_000 }).toBe(true);
    // The node settles before the next test places instances on it: the tasks it ran before it died (now
    // running on the manager) are stopped by its engine once it has rejoined, and their ports let go.
    await expect.poll(async () => (await onNode(2, 'ps', '-q', '--filter', `label=paas.test=${p.runId}`)).stdout.trim(), { timeout: 60_000, interval: 1_000 }).toBe('');

    const failures = load.report.failures;
    const loadStart = killedAt - 2_000;
    const window = failures.length === 0 ? 0 : Math.max(...failures.map((f) => f.at)) - (killedAt - loadStart);
    console.log(`node death: ${failures.length} failed of ${load.report.sent} (${JSON.stringify([...new Set(failures.map((f) => f.status))])}), last failure ${window} ms after the kill; all 4 instances healthy on the other node ${movedAt - killedAt} ms after it`);
    // Only requests in flight to the dead node, or sent to it before the router ejected it, fail:
    // a few, within the client's 10 s timeout plus the router's connect timeout.
    expect(failures.length).toBeLessThanOrEqual(8);
    expect(window).toBeLessThan(30_000);
    expect(load.report.ok).toBeGreaterThan(200);
  });

  it('paas nodes drain of the manager node under load: 0 failed requests, no instance left there; activate gives it back', async () => {
    const nodes = async (): Promise<{ name: string; state: string; availability: string; role: string; instances: number }[]> => {
      const r = await p.paas(['nodes', '--json']);
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { nodes: { name: string; state: string; availability: string; role: string; instances: number }[] }).nodes;
    };
    expect((await nodes()).map((n) => [n.name, n.state, n.availability])).toEqual([[`${NAME}-1`, 'ready', 'active'], [`${NAME}-2`, 'ready', 'active']]);
    const load = startLoad(p.routerPort, HOST, { concurrency: 4, intervalMs: 40, maxMs: 240_000, maxRequests: 20_000 });
    let drained;
    try {
      drained = await p.paas(['nodes', 'drain', `${NAME}-1`]);
      await new Promise((r) => setTimeout(r, 1_000));
    } finally {
      await load.stop();
      // A failed drain leaves the node paused; the next tests need it active (they run one-offs there).
      if (drained?.code !== 0) await p.paas(['nodes', 'activate', `${NAME}-1`]);
    }
    expect(drained.code, drained.stdout + drained.stderr).toBe(0);
    expect(load.report.failures).toEqual([]);
    expect(load.report.ok).toBeGreaterThan(50);
    const list = await ps();
    expect(list.map((i) => i.name).sort()).toEqual(['www.1', 'www.2', 'www.3', 'www.4']);
    expect([...hostsOf(list)]).toEqual([`${PREFIX}.12`]);
    const after = await nodes();
    expect(after.find((n) => n.name === `${NAME}-1`)).toMatchObject({ availability: 'drain', instances: 0 });
    expect(after.find((n) => n.name === `${NAME}-2`)).toMatchObject({ instances: 4 });
    const active = await p.paas(['nodes', 'activate', `${NAME}-1`]);
    expect(active.code, active.stderr).toBe(0);
    expect((await nodes()).find((n) => n.name === `${NAME}-1`)?.availability).toBe('active');
    const join = await p.paas(['nodes', 'join-command']);
    expect(join.stdout).toMatch(new RegExp(`docker swarm join --token SWMTKN-\\S+ ${PREFIX.replace(/\./g, '\\.')}\\.11:2377`));
  });

  it('a data service is pinned to its node, says so, and keeps its data across a push and a restart of that node', async () => {
    const hits = await copyApp('test/fixtures/redis-envjson');
    expect((await p.paas(['create', 'hits'], { cwd: hits })).code).toBe(0);
    const first = await p.paas(['push'], { cwd: hits });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const count = async (): Promise<string> => (await getVia(p.routerPort, 'hits.localhost')).body.trim();
    expect(await count()).toBe('hits: 1');
    expect(await count()).toBe('hits: 2');
    const info = await p.paas(['info', 'cache', '--json'], { cwd: hits });
    expect(info.code, info.stderr).toBe(0);
    const cache = JSON.parse(info.stdout) as { name: string; node?: string };
    expect(cache.node).toMatch(new RegExp(`^${NAME}-[12]$`));
    const text = await p.paas(['info'], { cwd: hits });
    expect(text.stdout).toMatch(new RegExp(`cache .*${cache.node} \\(pinned\\)`));
    const constraint = await onNode(1, 'service', 'inspect', '--format', '{{json .Spec.TaskTemplate.Placement.Constraints}}', `paas-${(await readFile(join(p.home, 'platform-id'), 'utf8')).trim()}-hits-cache-data`);
    expect(constraint.stdout).toContain(`node.hostname==${cache.node}`);

    await writeFile(join(hits, 'CHANGED'), 'yes\n');
    const second = await p.paas(['push'], { cwd: hits });
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(await count()).toBe('hits: 3');

    const i = cache.node === `${NAME}-1` ? '1' : '2';
    expect((await lab('kill-node', i)).code).toBe(0);
    expect((await lab('start-node', i)).code).toBe(0);
    // Back on its node, on its volume: the count goes on.
    await expect.poll(async () => count().catch(() => ''), { timeout: 120_000, interval: 1_000 }).toMatch(/^hits: \d+$/);
    const after = Number((await count()).split(' ')[1]);
    expect(after).toBeGreaterThanOrEqual(4);
  });

  it('paas run of a service scaled to 0: a one-off container on the manager, removed when it ends; refused clearly while the manager is paused', async () => {
    const zero = await p.paas(['scale', 'www=0'], { cwd: dir });
    expect(zero.code, zero.stdout + zero.stderr).toBe(0);
    const paused = await run('docker', ['-H', sock(1), 'node', 'update', '--availability', 'pause', `${NAME}-1`]);
    expect(paused.code, paused.stderr).toBe(0);
    let refused;
    try {
      refused = await p.paas(['run', 'www', '--', 'true'], { cwd: dir });
    } finally {
      await run('docker', ['-H', sock(1), 'node', 'update', '--availability', 'active', `${NAME}-1`]);
    }
    expect(refused.code, refused.stderr).toBe(5);
    expect(refused.stderr).toContain(`one-off containers run on the manager node ${NAME}-1, which is paused`);
    expect(refused.stderr).toContain(`paas nodes activate ${NAME}-1`);
    const ran = await p.paas(['run', 'www', '--', 'sh', '-c', 'echo one-off $PAAS_INSTANCE; cat /home/app/environment.json | grep -c PAAS_APP'], { cwd: dir });
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/^one-off /m);
    expect(ran.stdout).toMatch(/^1$/m);
    const left = await onNode(1, 'ps', '-a', '-q', '--filter', 'label=paas.oneoff=1', '--filter', `label=paas.test=${p.runId}`);
    expect(left.stdout.trim()).toBe('');
  });
});

