import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_SCRIPT, run, type Ran } from './harness/lab.js';
import { assertDocker } from './harness/docker.js';

// infra/swarm-lab.sh for real: two Docker Engines in network namespaces of
// their own, one swarm, a service with a replica on each node answering from
// the host, then nothing left. The lab has a name, a subnet and a directory of
// its own, so a lab someone else runs on this machine is never touched; the
// main engine is only read from (docker save of the stack image).
const SCRIPT = LAB_SCRIPT;
const STACK = 'paas/stack:bookworm';
const NAME = 'paas-e2elab';
const PREFIX = '10.219.77';
const DIR = join(tmpdir(), `paas-e2e-lab-${randomBytes(3).toString('hex')}`);
const ENV = { ...process.env, PAAS_LAB_NAME: NAME, PAAS_LAB_SUBNET: `${PREFIX}.0/24`, PAAS_LAB_DIR: DIR, PAAS_LAB_NODES: '2' };
const MANAGER = `unix://${DIR}/${NAME}-1/docker.sock`;
const PORT = 18080;

const lab = (...args: string[]): Promise<Ran> => run('bash', [SCRIPT, ...args], ENV);
const onManager = (...args: string[]): Promise<Ran> => run('docker', ['-H', MANAGER, ...args], process.env, 60_000);

interface LabNode {
  name: string;
  ip: string;
  host: string;
  role: string;
  engine: string;
  state: string;
  availability: string;
}
interface LabStatus {
  ready: boolean;
  dir: string;
  name: string;
  subnet: string;
  nodes: LabNode[];
}

/** The answer of http://ip:port/, or null when nothing answers yet. */
async function get(ip: string, port: number): Promise<string | null> {
  try {
    const res = await fetch(`http://${ip}:${port}/`, { signal: AbortSignal.timeout(2_000) });
    return res.ok ? (await res.text()).trim() : null;
  } catch {
    return null;
  }
}

/** What of the lab is still on the machine: netns, links, processes, mounts, cgroups, its directory. */
async function leftovers(): Promise<string[]> {
  const left: string[] = [];
  const netns = (await run('ip', ['netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0] ?? '');
  left.push(...netns.filter((n) => n.startsWith(NAME)).map((n) => `netns ${n}`));
  const links = (await run('ip', ['-o', 'link', 'show'])).stdout.split('\n').map((l) => l.split(': ')[1]?.split('@')[0] ?? '');
  left.push(...links.filter((l) => l.startsWith(NAME)).map((l) => `link ${l}`));
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(DIR)) left.push(`process ${pid} ${cmdline.replaceAll('\0', ' ').trim()}`);
  }
  const mounts = await readFile('/proc/self/mountinfo', 'utf8');
  left.push(...mounts.split('\n').filter((m) => m.includes(DIR)).map((m) => `mount ${m}`));
  for (const hierarchy of await readdir('/sys/fs/cgroup').catch(() => [])) {
    for (const dir of [join('/sys/fs/cgroup', hierarchy), '/sys/fs/cgroup']) {
      const names = await readdir(dir).catch(() => []);
      left.push(...names.filter((n) => n.startsWith(`${NAME}-`)).map((n) => `cgroup ${join(dir, n)}`));
    }
  }
  if (existsSync(DIR)) left.push(`directory ${DIR}`);
  return [...new Set(left)];
}

const mainEnginePid = async (): Promise<string> => (await readFile('/var/run/docker.pid', 'utf8').catch(() => '')).trim();

describe('infra/swarm-lab.sh: a two-node swarm on this machine', () => {
  let mainPid = '';
  let answered: string[] = [];

  beforeAll(async () => {
    await assertDocker();
    mainPid = await mainEnginePid();
    const stack = await run('docker', ['image', 'inspect', '--format', '{{.Id}}', STACK]);
    expect(stack.code, `no ${STACK}: run infra/install.sh first`).toBe(0);
  });
  afterAll(async () => {
    await lab('down');
  });

  it('refuses settings it cannot build, before changing anything', async () => {
    const refusals: [string, string, string][] = [
      ['PAAS_LAB_NODES', '12', 'PAAS_LAB_NODES must be 1 to 9'],
      ['PAAS_LAB_SUBNET', '10.219.77.0/16', 'PAAS_LAB_SUBNET must be a /24'],
      ['PAAS_LAB_NAME', 'Paas_Lab', 'PAAS_LAB_NAME must be'],
      ['PAAS_LAB_DIR', 'relative/dir', 'PAAS_LAB_DIR must be an absolute path'],
    ];
    for (const [key, value, says] of refusals) {
      const r = await run('bash', [SCRIPT, 'up'], { ...ENV, [key]: value });
      expect([r.code, r.stdout], key).toEqual([1, '']);
      expect(r.stderr).toContain(` !     ${says}`);
    }
    const none = await lab('status', '--json');
    expect(none.code).toBe(1);
    expect(JSON.parse(none.stdout)).toMatchObject({ ready: false, nodes: [] });
    const unknown = await lab('frobnicate');
    expect(unknown.code).toBe(2);
    expect(await leftovers()).toEqual([]);
  });

  it('up builds the lab and prints one line per node and the manager’s DOCKER_HOST', async () => {
    const up = await lab('up');
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout.split('\n').filter(Boolean)).toEqual([
      `node ${NAME}-1 ${PREFIX}.11 unix://${DIR}/${NAME}-1/docker.sock manager`,
      `node ${NAME}-2 ${PREFIX}.12 unix://${DIR}/${NAME}-2/docker.sock worker`,
      `export DOCKER_HOST=${MANAGER}`,
    ]);
    const headings = up.stderr.split('\n').filter((l) => l.startsWith('-----> '));
    expect(headings.at(-1)).toBe(`-----> The lab ${NAME} is up`);
  });

  it('status --json: two nodes ready, one manager and one worker, with the stack image on each', async () => {
    const r = await lab('status', '--json');
    expect(r.code, r.stderr).toBe(0);
    const status = JSON.parse(r.stdout) as LabStatus;
    expect(status).toMatchObject({ ready: true, dir: DIR, name: NAME, subnet: `${PREFIX}.0/24` });
    expect(status.nodes).toEqual([
      { name: `${NAME}-1`, ip: `${PREFIX}.11`, host: MANAGER, role: 'manager', engine: 'up', state: 'ready', availability: 'active' },
      { name: `${NAME}-2`, ip: `${PREFIX}.12`, host: `unix://${DIR}/${NAME}-2/docker.sock`, role: 'worker', engine: 'up', state: 'ready', availability: 'active' },
    ]);
    const labels = await onManager('node', 'ls', '--filter', 'node.label=paas.lab=1', '--format', '{{.Hostname}}');
    expect(labels.stdout.split('\n').filter(Boolean).sort()).toEqual([`${NAME}-1`, `${NAME}-2`]);
    for (const node of status.nodes) {
      const image = await run('docker', ['-H', node.host, 'image', 'inspect', '--format', '{{.Id}}', STACK]);
      expect(image.code, `${STACK} on ${node.name}`).toBe(0);
    }
  });

  it('a second up finds the lab up and changes nothing', async () => {
    const again = await lab('up');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`-----> The lab ${NAME} is up (2 nodes, ${PREFIX}.0/24)`);
    expect(again.stderr).not.toContain('Building');
    expect(again.stdout).toContain(`export DOCKER_HOST=${MANAGER}`);
    const settings = await lab('paas-env');
    expect(settings.stdout.trim()).toBe(
      `export PAAS_RUNTIME=swarm PAAS_SWARM_MANAGER=${MANAGER} PAAS_SWARM_ENGINES='${NAME}-1=${MANAGER} ${NAME}-2=unix://${DIR}/${NAME}-2/docker.sock' PAAS_REGISTRY_ADDR=${PREFIX}.1:5000`,
    );
  });

  it('a dnsrr service with one replica per node answers from both node addresses, each with its own hostname', async () => {
    // No IPVS in the kernel: no virtual IP (dnsrr) and no routing mesh (mode=host).
    const server =
      'my $s = IO::Socket::INET->new(LocalPort => 8080, Listen => 16, ReuseAddr => 1) or die "listen: $!";' +
      ' chomp(my $h = `hostname`);' +
      ' while (my $c = $s->accept) { while (<$c>) { last if /^\\r?\\n$/ }' +
      ' print $c "HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\nContent-Length: " . (length($h) + 1) . "\\r\\n\\r\\n$h\\n"; close $c }';
    const network = await onManager('network', 'create', '--driver', 'overlay', '--attachable', 'lab-net');
    expect(network.code, network.stderr).toBe(0);
    const create = await onManager(
      'service', 'create', '--detach', '--name', 'hello', '--no-resolve-image', '--network', 'lab-net',
      '--endpoint-mode', 'dnsrr', '--replicas', '2', '--replicas-max-per-node', '1',
      '--publish', `mode=host,target=8080,published=${PORT}`,
      STACK, 'perl', '-MIO::Socket::INET', '-e', server,
    );
    expect(create.code, create.stderr).toBe(0);
    const ips = [`${PREFIX}.11`, `${PREFIX}.12`];
    const answers: (string | null)[] = [null, null];
    const deadline = Date.now() + 90_000;
    while (answers.includes(null) && Date.now() < deadline) {
      for (const [i, ip] of ips.entries()) answers[i] ??= await get(ip, PORT);
      if (answers.includes(null)) await new Promise((r) => setTimeout(r, 1_000));
    }
    const tasks = await onManager('service', 'ps', 'hello', '--format', '{{.Node}} {{.CurrentState}} {{.Error}}');
    expect(answers, tasks.stdout).not.toContain(null);
    expect(answers[0]).not.toBe(answers[1]);
    answered = answers as string[];
    // Each answer is the hostname of the task container on the node that has that address.
    for (const [i, node] of [`${NAME}-1`, `${NAME}-2`].entries()) {
      const ps = await run('docker', ['-H', `unix://${DIR}/${node}/docker.sock`, 'ps', '--filter', 'label=com.docker.swarm.service.name=hello', '--format', '{{.ID}}']);
      expect(ps.stdout.trim().split('\n')).toEqual([answers[i]]);
    }
  });

  it('the overlay network spans the nodes: a container on the worker reaches both tasks by the service’s name', async () => {
    const client =
      'for my $t (@ARGV) { my $c = IO::Socket::INET->new(PeerAddr => "$t:8080", Timeout => 5) or die "$t: $!\\n";' +
      ' print $c "GET / HTTP/1.0\\r\\n\\r\\n"; my @lines = <$c>; print $lines[-1] }';
    const script = `perl -MIO::Socket::INET -e '${client}' $(getent ahostsv4 tasks.hello | awk '{print $1}' | sort -u)`;
    const r = await run('docker', ['-H', `unix://${DIR}/${NAME}-2/docker.sock`, 'run', '--rm', '--network', 'lab-net', STACK, 'bash', '-c', script], process.env, 60_000);
    expect(r.code, r.stderr).toBe(0);
    const ids = (await onManager('service', 'ps', 'hello', '--filter', 'desired-state=running', '-q')).stdout.split('\n').filter(Boolean);
    expect(ids).toHaveLength(2);
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual([...answered].sort());
  });

  it('down removes every engine, namespace, link, mount, cgroup and the directory; the main engine goes on', async () => {
    const down = await lab('down');
    expect(down.code, down.stderr).toBe(0);
    expect(down.stderr).toContain(`-----> Removing the lab ${NAME} (${DIR})`);
    expect(await leftovers()).toEqual([]);
    const status = await lab('status');
    expect(status.code).toBe(1);
    expect(status.stderr).toContain(`No lab at ${DIR}`);
    const again = await lab('down');
    expect([again.code, again.stderr]).toEqual([0, `-----> No lab at ${DIR}: nothing to remove\n`]);
    await assertDocker();
    expect(await mainEnginePid()).toBe(mainPid);
  });
});
