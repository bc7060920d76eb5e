import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyApp, removeAppCopies } from './harness/app-dir.js';
import { assertDocker, removeLabelled } from './harness/docker.js';
import { getVia, startLoad } from './harness/http.js';
import { cliBin, repoRoot } from './harness/paths.js';
import { freePort } from './harness/ports.js';

// The server path for real: install.sh --server's start step under systemd as
// PID 1, in a Debian container of the stack base with systemd installed. The
// container shares this machine's loopback (host network, every listener on
// 127.0.0.1) and Docker socket, so the sandboxed API deploys onto this
// engine, labelled for this test. The platform is this checkout as built by
// `npm test`, mounted read-only as /opt/paas/current, with this machine's
// node as /opt/paas/node/bin/node: the install's node and platform steps
// (the npm registry, a full npm install and build) are left out here.
const IMAGE = 'paas-test/systemd:bookworm';
const DOCKERFILE = `FROM paas/stack-base:bookworm
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends systemd systemd-sysv dbus >/dev/null && rm -rf /var/lib/apt/lists/*
STOPSIGNAL SIGRTMIN+3
CMD ["/sbin/init"]
`;
const DOMAIN = 'apps.example.test';

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string } = {}): Promise<Ran> {
  return new Promise((resolveRun) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // docker exec may be done before it reads its (empty) input.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
    child.on('close', (code) => resolveRun({ code: code ?? -1, stdout, stderr }));
  });
}

/** A free port below 1024 on 127.0.0.1: binding it takes CAP_NET_BIND_SERVICE. */
async function freeLowPort(taken: number[]): Promise<number> {
  for (let port = 700; port < 1000; port++) {
    if (taken.includes(port)) continue;
    const free = await new Promise<boolean>((res) => {
      const srv = createServer();
      srv.once('error', () => res(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => res(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port from 700 to 999 on 127.0.0.1');
}

const runId = `e2e-${randomBytes(4).toString('hex')}`;
const name = `paas-systemd-${runId}`;
let cliHome = '';
let ports = { router: 0, tls: 0, control: 0, api: 0 };
let dockerGid = '';
let installed: Ran;

const inside = (cmd: string[], env: Record<string, string> = {}): Promise<Ran> =>
  run('docker', ['exec', ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), name, ...cmd]);
const sh = async (script: string): Promise<string> => {
  const r = await inside(['bash', '-c', script]);
  if (r.code !== 0) throw new Error(`${script}: ${r.stdout}${r.stderr}`);
  return r.stdout.trim();
};
const mainPid = (unit: string): Promise<string> => sh(`systemctl show -p MainPID --value ${unit}`);
const procStatus = async (unit: string): Promise<Record<string, string>> => {
  const text = await sh(`cat /proc/$(systemctl show -p MainPID --value ${unit})/status`);
  return Object.fromEntries(text.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
};
const install = (): Promise<Ran> => inside(['bash', '/src/infra/install.sh', '--server'], { PAAS_INSTALL_STEPS: 'node user config units start' });
const paas = (args: string[], cwd?: string): Promise<Ran> =>
  run(process.execPath, [cliBin, ...args], { cwd, env: { ...process.env, PAAS_HOME: cliHome, NO_COLOR: '1', PAAS_API_URL: '', PAAS_TOKEN: '' } });

beforeAll(async () => {
  await assertDocker();
  if ((await run('docker', ['image', 'inspect', IMAGE])).code !== 0) {
    const built = await run('docker', ['build', '-q', '-t', IMAGE, '-'], { input: DOCKERFILE });
    if (built.code !== 0) throw new Error(`building ${IMAGE}: ${built.stderr}`);
  }
  dockerGid = (await run('stat', ['-c', '%g', '/var/run/docker.sock'])).stdout.trim();
  const router = await freeLowPort([]);
  ports = { router, tls: await freeLowPort([router]), control: await freePort(), api: await freePort() };
  const started = await run('docker', [
    'run', '-d', '--name', name, '--label', `paas.test=${runId}`, '--hostname', 'paas-server',
    // systemd as PID 1 in a container: its own cgroup subtree, mounts for the units' sandboxes.
    '--cap-add', 'SYS_ADMIN', '--security-opt', 'seccomp=unconfined', '--cgroupns=host',
    '-v', '/sys/fs/cgroup:/sys/fs/cgroup', '--tmpfs', '/run', '--tmpfs', '/run/lock', '-e', 'container=docker',
    '--network', 'host',
    '-v', '/var/run/docker.sock:/run/docker.sock',
    '-v', `${repoRoot}:/src:ro`,
    '-v', `${realpathSync(process.execPath)}:/opt/paas/node/bin/node:ro`,
    IMAGE,
  ]);
  if (started.code !== 0) throw new Error(`docker run ${IMAGE}: ${started.stderr}`);
  for (let i = 0; ; i++) {
    const state = (await inside(['systemctl', 'is-system-running'])).stdout.trim();
    if (state === 'running' || state === 'degraded') break;
    if (i > 120) throw new Error(`systemd in the container did not come up (${state})`);
    await new Promise((r) => setTimeout(r, 500));
  }
  // What a server has before the install: docker.io's group, and here the built platform and settings
  // with this test's ports and labels; the install adds the rest (token, PAAS_HOME, …).
  await sh(
    [
      `groupadd -g ${dockerGid} docker`,
      'ln -s /src /opt/paas/current',
      'mkdir -p /etc/paas',
      `printf '%s\\n' PAAS_DOMAIN=${DOMAIN} PAAS_ROUTER_HOST=127.0.0.1 PAAS_ROUTER_PORT=${ports.router} PAAS_ROUTER_TLS_PORT=${ports.tls} ` +
        `PAAS_ROUTER_CONTROL_PORT=${ports.control} PAAS_API_PORT=${ports.api} PAAS_LABELS=paas.test=${runId} PAAS_STOP_GRACE_MS=3000 > /etc/paas/paas.env`,
    ].join(' && '),
  );
  cliHome = await mkdtemp(join(tmpdir(), 'paas-cli-'));
  installed = await install();
}, 600_000);

afterAll(async () => {
  // The platform stops with its container; then whatever it made on the engine goes.
  await run('docker', ['rm', '-f', name]);
  await removeLabelled(runId);
  if (cliHome !== '') await rm(cliHome, { recursive: true, force: true });
  await removeAppCopies();
});

describe('install.sh --server under systemd (a Debian container with systemd as PID 1)', () => {
  it('enables and starts both units, the router before the API, and prints no secret', async () => {
    expect(installed.code, installed.stdout + installed.stderr).toBe(0);
    expect(installed.stdout).toContain(`-----> Keeping /etc/paas/paas.env (PAAS_DOMAIN=${DOMAIN})`);
    expect(installed.stdout).toContain(`router up on :${ports.router} and :${ports.tls}`);
    expect(installed.stdout).toContain(`API up on 127.0.0.1:${ports.api}`);
    expect(installed.stdout).toContain(`-----> paas is up: apps at http://<app>.${DOMAIN}`);
    expect(await sh('systemctl is-enabled paas-router paas-api')).toBe('enabled\nenabled');
    expect(await sh('systemctl is-active paas-router paas-api')).toBe('active\nactive');
    const routerToken = await sh("sed -n 's/^PAAS_ROUTER_TOKEN=//p' /etc/paas/paas.env");
    const adminToken = await sh('cat /var/lib/paas/admin.token');
    expect(routerToken).toMatch(/^[0-9a-f]{64}$/);
    // Off a terminal the admin token is not shown, only where it is.
    expect(installed.stdout + installed.stderr).not.toContain(routerToken);
    expect(installed.stdout + installed.stderr).not.toContain(adminToken);
    expect(installed.stdout).toContain('The admin\'s token is in /var/lib/paas/admin.token (root only).');
    expect(await sh('stat -c "%a %U:%G" /var/lib/paas /etc/paas/paas.env /var/lib/paas/admin.token')).toBe('700 paas:paas\n640 root:paas\n600 paas:paas');
  });

  it('runs the router with CAP_NET_BIND_SERVICE alone and no docker group, the API with the docker group and no capability', async () => {
    const router = await procStatus('paas-router');
    // Bit 10 is CAP_NET_BIND_SERVICE: effective, bounding and ambient, and nothing else.
    expect([router.Uid?.split(/\s+/)[0], router.CapEff, router.CapBnd, router.CapAmb, router.NoNewPrivs]).toEqual([
      await sh('id -u paas'), '0000000000000400', '0000000000000400', '0000000000000400', '1',
    ]);
    expect(router.Groups?.split(/\s+/)).not.toContain(dockerGid);
    const api = await procStatus('paas-api');
    expect([api.CapEff, api.CapBnd, api.NoNewPrivs]).toEqual(['0000000000000000', '0000000000000000', '1']);
    expect(api.Groups?.split(/\s+/)).toContain(dockerGid);
    // The router answers on its privileged port: an unknown host is 404.
    expect((await getVia(ports.router, `nothing.${DOMAIN}`)).status).toBe(404);
  });

  it('deploys an app through the sandboxed API and serves it on the router; an API restart fails no request', async () => {
    const token = await sh('cat /var/lib/paas/admin.token');
    const login = await paas(['login', '--api', `http://127.0.0.1:${ports.api}`, '--token', token]);
    expect(login.code, login.stderr).toBe(0);
    const dir = await copyApp('examples/python-hello');
    expect((await paas(['create', 'hello'], dir)).code).toBe(0);
    const pushed = await paas(['push'], dir);
    expect(pushed.code, pushed.stdout + pushed.stderr).toBe(0);
    expect(pushed.stdout).toContain(`Live at http://hello.${DOMAIN}:${ports.router}`);
    const got = await getVia(ports.router, `hello.${DOMAIN}`);
    expect([got.status, got.body]).toEqual([200, expect.stringContaining('Hello')]);

    const load = startLoad(ports.router, `hello.${DOMAIN}`, { concurrency: 2, intervalMs: 20, maxMs: 120_000 });
    const before = await mainPid('paas-api');
    await sh('systemctl restart paas-api');
    for (let i = 0; (await paas(['apps'])).code !== 0; i++) {
      if (i > 120) throw new Error('the API did not answer again after its restart');
      await new Promise((r) => setTimeout(r, 500));
    }
    const report = await load.stop();
    expect(await mainPid('paas-api')).not.toBe(before);
    expect(report.sent).toBeGreaterThan(20);
    expect(report.failures).toEqual([]);
  });

  it('a re-run restarts the API and leaves the router running; after a change to paas.env the router restarts and serves its routes at once', async () => {
    const router = await mainPid('paas-router');
    const api = await mainPid('paas-api');
    const again = await install();
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).not.toContain('router restarted');
    expect(await mainPid('paas-router')).toBe(router);
    expect(await mainPid('paas-api')).not.toBe(api);

    await sh('echo PAAS_ROUTER_SHUTDOWN_GRACE_MS=5000 >> /etc/paas/paas.env');
    const changed = await install();
    expect(changed.code, changed.stdout + changed.stderr).toBe(0);
    expect(changed.stdout).toContain('router restarted: what it runs changed');
    expect(await mainPid('paas-router')).not.toBe(router);
    // The table came from /var/lib/paas/router/routes.json, not from waiting for the API.
    const got = await getVia(ports.router, `hello.${DOMAIN}`);
    expect(got.status).toBe(200);
  });
});
