import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullOnNode, pushImage, type PushResult } from '../../apps/api/dist/images/distribute.js';
import { probeRegistry, PlatformRegistry, startPlatformRegistry } from '../../apps/api/dist/images/platform-registry.js';
import { freePortOn, LAB_SCRIPT, run, type Ran } from './harness/lab.js';
import { assertDocker, removeLabelled } from './harness/docker.js';

// Images without an external registry: the platform's registry (Debian's
// docker-registry) on the host's address of a Swarm lab of its own, an image
// built on the main engine pushed there and pulled by digest on both nodes,
// then a code-only change that moves only the new layer. The lab has its own
// name, subnet and directory; the main engine keeps everything it had (the
// test's images carry paas.test=<run id> and are removed).
const SCRIPT = LAB_SCRIPT;
const STACK = 'paas/stack:bookworm';
const NAME = 'paas-e2ereg';
const PREFIX = '10.219.78';
const HOST_IP = `${PREFIX}.1`;
const RUN = `reg${randomBytes(4).toString('hex')}`;
const DIR = join(tmpdir(), `paas-e2e-reg-${RUN}`);
const ENV = { ...process.env, PAAS_LAB_NAME: NAME, PAAS_LAB_SUBNET: `${PREFIX}.0/24`, PAAS_LAB_DIR: join(DIR, 'lab'), PAAS_LAB_NODES: '2' };
const NODES = [1, 2].map((i) => ({ name: `${NAME}-${i}`, ip: `${PREFIX}.${10 + i}`, docker: new Docker({ socketPath: join(DIR, 'lab', `${NAME}-${i}`, 'docker.sock') }) }));
const main = new Docker();
const LOCAL = `paas-e2e-${RUN}`;

const lab = (...args: string[]): Promise<Ran> => run('bash', [SCRIPT, ...args], ENV);

/** A port nothing listens on at the lab's host address. */

/** Builds `LOCAL:tag` on the main engine: the stack image, one file that stays, one that is the code. */
async function build(tag: string, code: string): Promise<string> {
  const ctx = join(DIR, `ctx-${tag}`);
  await mkdir(ctx, { recursive: true });
  await writeFile(join(ctx, 'deps.txt'), `${RUN} dependencies ${'x'.repeat(4096)}\n`);
  await writeFile(join(ctx, 'code.txt'), code);
  await writeFile(join(ctx, 'Dockerfile'), `FROM ${STACK}\nCOPY deps.txt /srv/deps.txt\nCOPY code.txt /srv/code.txt\nLABEL paas.test=${RUN}\n`);
  const r = await run('docker', ['build', '-q', '--label', `paas.test=${RUN}`, '-t', `${LOCAL}:${tag}`, ctx]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
}

/** `"GET /v2/…/blobs/sha256:… HTTP/1.1" 200` lines of the registry's access log, with the client's address. */
async function accessLog(registry: PlatformRegistry): Promise<{ from: string; method: string; path: string; status: number }[]> {
  const text = await readFile(registry.files.log, 'utf8');
  const out: { from: string; method: string; path: string; status: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+) - \S+ \[[^\]]+\] "(\w+) (\S+) HTTP\/[\d.]+" (\d{3}) /.exec(line);
    if (m) out.push({ from: m[1] as string, method: m[2] as string, path: m[3] as string, status: Number(m[4]) });
  }
  return out;
}

describe('images reach the nodes through the platform’s registry, by digest', () => {
  let registry: PlatformRegistry;
  let address = '';
  let certsDir = '';
  // The test makes /etc/docker/certs.d when the machine has none, and removes it again then.
  const certsRootExisted = existsSync('/etc/docker/certs.d');
  let first: PushResult;
  let firstBytes = 0;
  let secondDigest = '';

  beforeAll(async () => {
    await assertDocker();
    expect(existsSync('/usr/bin/docker-registry'), 'apt-get install docker-registry').toBe(true);
    const stack = await run('docker', ['image', 'inspect', '--format', '{{.Id}}', STACK]);
    expect(stack.code, `no ${STACK}: run infra/install.sh first`).toBe(0);
    await mkdir(DIR, { recursive: true });
    const up = await lab('up');
    expect(up.code, up.stderr).toBe(0);
    const port = await freePortOn(HOST_IP);
    registry = await startPlatformRegistry({ home: join(DIR, 'home'), listen: { host: HOST_IP, port } });
    address = registry.address;
    // Docker's per-registry trust, read at each connection by the main engine and the lab's (they share the host's /etc).
    certsDir = `/etc/docker/certs.d/${address}`;
    await mkdir(certsDir, { recursive: true });
    await writeFile(join(certsDir, 'ca.crt'), registry.caPem ?? '');
  });

  afterAll(async () => {
    await registry?.stop();
    if (certsDir !== '') await rm(certsDir, { recursive: true, force: true });
    if (!certsRootExisted) await rmdir('/etc/docker/certs.d').catch(() => undefined);
    await removeLabelled(RUN);
    await lab('down');
    await rm(DIR, { recursive: true, force: true });
  });

  it('fails clearly when the binary is missing or the registry cannot listen', async () => {
    const missing = new PlatformRegistry({ home: join(DIR, 'missing'), listen: { host: HOST_IP, port: 1 }, binary: join(DIR, 'no-such-registry') });
    await expect(missing.start()).rejects.toMatchObject({ code: 'REGISTRY_UNAVAILABLE', message: expect.stringContaining('not installed') });
    const taken = new PlatformRegistry({ home: join(DIR, 'taken'), listen: registry.listen, readyTimeoutMs: 10_000 });
    await expect(taken.start()).rejects.toMatchObject({ code: 'REGISTRY_UNAVAILABLE', message: expect.stringContaining('address already in use') });
    expect(taken.running).toBe(false);
  });

  it('serves TLS from the platform’s CA, kept 0600 in PAAS_HOME/registry', async () => {
    expect(registry.tls).toBe(true);
    expect(registry.caPem).toContain('BEGIN CERTIFICATE');
    expect(registry.nodeCaPath).toBe(`/etc/docker/certs.d/${address}/ca.crt`);
    expect((await stat(registry.files.dir)).mode & 0o777).toBe(0o700);
    for (const key of [registry.files.caKey, registry.files.serverKey, registry.files.config, registry.files.log]) {
      expect((await stat(key)).mode & 0o777, key).toBe(0o600);
    }
    expect(await probeRegistry(`https://${address}/v2/`, registry.caPem)).toBe(200);
    expect(String(await probeRegistry(`https://${address}/v2/`, undefined))).toMatch(/self.signed|unable to (get|verify)/i);
  });

  it('an image built on the main engine runs on both nodes by digest: the same image id everywhere', async () => {
    const id = await build('v1', `${RUN} code version 1\n`);
    const before = await registry.storedBytes();
    first = await pushImage(main, `${LOCAL}:v1`, { registry: registry.target, platform: RUN, app: 'hello', service: 'www' });
    firstBytes = (await registry.storedBytes()) - before;
    expect(first.ref).toBe(`${address}/paas-${RUN}/hello/www@${first.digest}`);
    expect(first.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // Every layer went up: the registry was empty.
    expect(first.layers.map((l) => l.status)).toEqual(first.layers.map(() => 'Pushed'));
    expect(first.layers.length).toBeGreaterThanOrEqual(4);
    // The registry's tag is not left on the main engine.
    expect((await main.getImage(id).inspect()).RepoTags).toEqual([`${LOCAL}:v1`]);
    for (const node of NODES) {
      const pulled = await pullOnNode(node.docker, first.ref);
      expect(pulled.id, node.name).toBe(id);
      // Every layer comes over the first time, the stack image's too: the lab put it there with docker load, which
      // keeps no record of the registry's (compressed) digests, so the engine cannot know it holds them until it
      // has them, then keeps one copy.
      expect(pulled.layers.map((l) => l.status), node.name).toEqual(first.layers.map(() => 'Pull complete'));
      const inspected = await node.docker.getImage(first.ref).inspect();
      expect(inspected.RepoDigests, node.name).toContain(`${address}/paas-${RUN}/hello/www@${first.digest}`);
    }
    console.log(`first push: ${first.layers.length} layers, ${firstBytes} bytes stored, ${first.ms} ms`);
  });

  it('a code-only change moves only the new layer', async () => {
    await build('v2', `${RUN} code version 2\n`);
    const before = await registry.storedBytes();
    const second = await pushImage(main, `${LOCAL}:v2`, { registry: registry.target, platform: RUN, app: 'hello', service: 'www' });
    const secondBytes = (await registry.storedBytes()) - before;
    expect(second.digest).not.toBe(first.digest);
    secondDigest = second.digest;
    const statuses = second.layers.map((l) => l.status);
    expect(statuses.filter((s) => s === 'Pushed')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'Layer already exists')).toHaveLength(statuses.length - 1);
    // The new layer, its config and its manifest: a few KiB against the whole image the first time.
    expect(secondBytes).toBeLessThan(64 * 1024);
    expect(secondBytes * 100).toBeLessThan(firstBytes);
    for (const node of NODES) {
      const pulled = await pullOnNode(node.docker, second.ref);
      const statuses = pulled.layers.map((l) => l.status);
      expect(statuses.filter((s) => s === 'Pull complete'), node.name).toHaveLength(1);
      expect(statuses.filter((s) => s === 'Already exists'), node.name).toHaveLength(statuses.length - 1);
      expect(pulled.id).toBe((await main.getImage(`${LOCAL}:v2`).inspect()).Id);
    }
    console.log(`code-only push: ${statuses.length} layers, 1 pushed, ${secondBytes} bytes stored, ${second.ms} ms (first: ${firstBytes} bytes, ${first.ms} ms)`);
  });

  it('nothing outside the lab was contacted: the nodes have no default route and fetched every blob from the registry', async () => {
    for (const node of NODES) {
      const routes = await run('ip', ['-n', node.name, 'route', 'show']);
      expect(routes.code, routes.stderr).toBe(0);
      expect(routes.stdout).not.toMatch(/^default/m);
    }
    const lines = await accessLog(registry);
    const repo = `/v2/paas-${RUN}/hello/www`;
    for (const node of NODES) {
      const fetched = lines.filter((l) => l.from === node.ip && l.method === 'GET');
      expect(fetched.map((l) => l.path)).toContain(`${repo}/manifests/${first.digest}`);
      expect(fetched.filter((l) => l.path.startsWith(`${repo}/blobs/sha256:`) && l.status === 200).length, node.name).toBeGreaterThanOrEqual(3);
      expect(fetched.every((l) => l.path.startsWith('/v2/')), node.name).toBe(true);
      // The code-only release: its manifest, its config and the one new layer, nothing more.
      const v2 = fetched.findIndex((l) => l.path === `${repo}/manifests/${secondDigest}`);
      expect(v2, node.name).toBeGreaterThan(0);
      expect(fetched.slice(v2 + 1).filter((l) => l.path.includes('/blobs/')), node.name).toHaveLength(2);
    }
    // Only the host (the pushes), the nodes and the test's probes spoke to it.
    expect([...new Set(lines.map((l) => l.from))].sort()).toEqual([HOST_IP, ...NODES.map((n) => n.ip)].sort());
    // The upload secret stays in the 0600 config file.
    const secret = /secret: "([0-9a-f]+)"/.exec(await readFile(registry.files.config, 'utf8'))?.[1] ?? '';
    expect(secret).toHaveLength(48);
    expect(await readFile(registry.files.log, 'utf8')).not.toContain(secret);
  });

  it('stops: nothing listens any more', async () => {
    const pid = registry.pid;
    await registry.stop();
    expect(registry.running).toBe(false);
    expect(existsSync(`/proc/${pid}`)).toBe(false);
    expect(typeof (await probeRegistry(`https://${address}/v2/`, registry.caPem))).toBe('string');
  });
});
