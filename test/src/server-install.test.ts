import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertDocker, removeLabelled } from './harness/docker.js';
import { repoRoot } from './harness/paths.js';

// infra/install.sh --server as far as a machine without systemd as PID 1 can
// take it. Its dry run runs here as it is; its real steps that need no
// systemd (user, settings, units) run as root inside a throwaway container of
// the Debian stack base, with this checkout mounted read-only, so this
// machine's own /etc is never touched.
const SCRIPT = join(repoRoot, 'infra', 'install.sh');
const IMAGE = 'paas/stack-base:bookworm';

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Ran> {
  return new Promise((resolveRun) => {
    execFile(cmd, args, { env, timeout: 120_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolveRun({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
    });
  });
}

const installer = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<Ran> => run('bash', [SCRIPT, ...args], { ...process.env, ...env });

describe('infra/install.sh --server --dry-run (on this machine, changing nothing)', () => {
  const touched = ['/etc/paas', '/opt/paas', '/var/lib/paas', '/etc/systemd/system/paas-api.service', '/etc/systemd/system/paas-router.service', '/etc/systemd/system/paas-build-guard.service', '/etc/systemd/system/paas-builds.slice'];

  it('prints every step in order, the settings it would write with the token withheld, and changes nothing', async () => {
    const before = touched.map((p) => [p, existsSync(p)]);
    const r = await installer(['--server', '--dry-run', '--domain', 'Apps.Example.COM']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const headings = r.stdout.split('\n').filter((l) => l.startsWith('-----> ')).map((l) => l.slice(7).split(' ')[0]);
    expect(headings).toEqual(['Dry', 'Docker', 'Node.js', 'Building', 'User', 'Writing', 'Units', 'Starting']);
    for (const line of [
      'would run: bash ' + SCRIPT,
      'would run: groupadd --system paas',
      'would run: install -d -m 0700 -o paas -g paas /var/lib/paas',
      '| PAAS_DOMAIN=apps.example.com',
      '| PAAS_ROUTER_HOST=0.0.0.0',
      '| PAAS_ROUTER_PORT=80',
      '| PAAS_ROUTER_TLS_PORT=443',
      '| PAAS_API_HOST=127.0.0.1',
      '| PAAS_ROUTER_TOKEN=<64 hex digits, generated>',
      'would run: systemctl enable --quiet paas-build-guard.service paas-router.service paas-api.service',
      'would run: systemctl restart paas-api (start on a first install)',
    ]) {
      expect(r.stdout).toContain(line);
    }
    // The user paas never joins the docker group: the API's unit alone gets it.
    expect(r.stdout).not.toMatch(/usermod|gpasswd|-G docker/);
    expect(r.stdout).not.toMatch(/[0-9a-f]{32}/);
    expect(touched.map((p) => [p, existsSync(p)])).toEqual(before);
  });

  it('refuses a missing or malformed domain, and server options without --server', async () => {
    const none = await installer(['--server', '--dry-run']);
    expect([none.code, none.stdout]).toEqual([1, '']);
    expect(none.stderr).toContain('--domain DOMAIN is required');
    const bad = await installer(['--server', '--dry-run', '--domain', 'not a domain']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('is not a DNS name like apps.example.com');
    const alone = await installer(['--domain', 'apps.example.com']);
    expect([alone.code, alone.stdout, alone.stderr]).toEqual([2, '', 'paas-install: error: --domain goes with --server\n']);
    const unknown = await installer(['--server', '--frobnicate']);
    expect(unknown.code).toBe(2);
    const steps = await installer(['--server', '--dry-run', '--domain', 'a.example.com'], { PAAS_INSTALL_STEPS: 'user nodes' });
    expect(steps.code).toBe(1);
    expect(steps.stderr).toContain('unknown step nodes');
  });
});

describe('infra/install.sh --server in a throwaway Debian container', () => {
  const runId = `e2e-${randomBytes(4).toString('hex')}`;
  const name = `paas-install-${runId}`;
  const inside = (cmd: string[], opts: { user?: string; env?: Record<string, string> } = {}): Promise<Ran> =>
    run('docker', [
      'exec',
      ...(opts.user !== undefined ? ['-u', opts.user] : []),
      ...Object.entries(opts.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
      name,
      ...cmd,
    ]);
  const install = (args: string[], env: Record<string, string> = { PAAS_INSTALL_STEPS: 'user config units' }): Promise<Ran> =>
    inside(['bash', '/src/infra/install.sh', '--server', ...args], { env });
  const sh = async (script: string): Promise<string> => {
    const r = await inside(['bash', '-c', script]);
    if (r.code !== 0) throw new Error(`${script}: ${r.stderr}`);
    return r.stdout;
  };

  beforeAll(async () => {
    await assertDocker();
    const started = await run('docker', [
      'run', '-d', '--name', name, '--label', `paas.test=${runId}`, '--network', 'none',
      '-v', `${repoRoot}:/src:ro`, IMAGE, 'sleep', 'infinity',
    ]);
    if (started.code !== 0) throw new Error(`docker run ${IMAGE}: ${started.stderr} (infra/install.sh builds it)`);
    // A docker group, as docker.io makes one: the user paas must stay out of it.
    await sh('groupadd --system docker');
  });
  afterAll(async () => {
    await removeLabelled(runId);
  });

  it('creates the user paas and its directories, writes paas.env 0640 root:paas with a new token, installs the units', async () => {
    const r = await install(['--domain', 'apps.example.com']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('-----> Writing /etc/paas/paas.env (0640 root:paas) with a new router token');
    expect(r.stdout).toContain('systemd is not running here: installed, not enabled');

    expect(await sh('stat -c "%a %U:%G %n" /etc/paas /etc/paas/paas.env /var/lib/paas /etc/systemd/system/paas-router.service /etc/systemd/system/paas-api.service')).toBe(
      [
        '750 root:paas /etc/paas',
        '640 root:paas /etc/paas/paas.env',
        '700 paas:paas /var/lib/paas',
        '644 root:root /etc/systemd/system/paas-router.service',
        '644 root:root /etc/systemd/system/paas-api.service',
        '',
      ].join('\n'),
    );
    expect(await sh('getent passwd paas | cut -d: -f6,7')).toBe('/var/lib/paas:/usr/sbin/nologin\n');
    expect(await sh('id -nG paas')).toBe('paas\n');
    for (const unit of ['paas-router.service', 'paas-api.service', 'paas-build-guard.service', 'paas-builds.slice']) {
      expect(await sh(`cat /etc/systemd/system/${unit}`)).toBe(await readFile(join(repoRoot, 'infra', 'systemd', unit), 'utf8'));
    }

    const env = await sh('cat /etc/paas/paas.env');
    const settings = Object.fromEntries(env.split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    expect(settings).toEqual({
      PAAS_HOME: '/var/lib/paas',
      PAAS_DOMAIN: 'apps.example.com',
      PAAS_API_HOST: '127.0.0.1',
      PAAS_API_PORT: '7700',
      PAAS_ROUTER_HOST: '0.0.0.0',
      PAAS_ROUTER_PORT: '80',
      PAAS_ROUTER_TLS_PORT: '443',
      PAAS_ROUTER_CONTROL_PORT: '8079',
      PAAS_ROUTER_TOKEN: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(r.stdout + r.stderr).not.toContain(settings.PAAS_ROUTER_TOKEN);
  });

  it('keeps paas.env byte for byte on a re-run, adds back only a missing key, and refuses another domain', async () => {
    const first = await sh('cat /etc/paas/paas.env');
    const again = await install([]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('-----> Keeping /etc/paas/paas.env (PAAS_DOMAIN=apps.example.com)');
    expect(await sh('cat /etc/paas/paas.env')).toBe(first);

    // A file from an older install, without the TLS port: the re-run adds it and nothing else.
    await sh("sed -i '/^PAAS_ROUTER_TLS_PORT=/d' /etc/paas/paas.env && chmod 0644 /etc/paas/paas.env");
    const upgraded = await install(['--domain', 'apps.example.com']);
    expect(upgraded.code, upgraded.stderr).toBe(0);
    expect(upgraded.stdout).toContain('adding what it lacks: PAAS_ROUTER_TLS_PORT');
    const after = await sh('cat /etc/paas/paas.env');
    expect(after.replace(/\n# added by infra\/install\.sh --server on \d{4}-\d\d-\d\d\nPAAS_ROUTER_TLS_PORT=443\n$/, '\n')).toBe(
      first.replace('PAAS_ROUTER_TLS_PORT=443\n', ''),
    );
    expect(await sh('stat -c "%a %U:%G" /etc/paas/paas.env')).toBe('640 root:paas\n');

    const moved = await install(['--domain', 'other.example.com']);
    expect(moved.code).toBe(1);
    expect(moved.stderr).toContain('already has PAAS_DOMAIN=apps.example.com');
    expect(await sh('cat /etc/paas/paas.env')).toBe(after);
  });

  it('refuses the whole path without systemd as PID 1, and any real run as a user other than root, before changing anything', async () => {
    const full = await install(['--domain', 'apps.example.com'], {});
    expect(full.code).toBe(1);
    expect(full.stdout).toBe('');
    expect(full.stderr).toContain('systemd is not running as PID 1 here');

    const user = await inside(['bash', '/src/infra/install.sh', '--server', '--domain', 'apps.example.com'], { user: '65534', env: { PAAS_INSTALL_STEPS: 'user' } });
    expect(user.code).toBe(1);
    expect(user.stderr).toContain('run it as root');
    // A dry run needs no root, and cannot read the settings it would keep.
    const dry = await inside(['bash', '/src/infra/install.sh', '--server', '--dry-run'], { user: '65534' });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('-----> /etc/paas/paas.env is not readable by this user: run as root to see what would change');
  });
});
