import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './harness/paths.js';

// The units of infra/systemd as systemd itself reads them. systemd-analyze
// verify exits 0 on unknown keys and unparsable values (it only warns), so a
// unit passes only when it exits 0 and says nothing at all.
const UNITS = ['paas-router.service', 'paas-api.service', 'paas-build-guard.service', 'paas-builds.slice'] as const;
const roots: string[] = [];
afterAll(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

interface Checked {
  code: number;
  output: string;
}

function analyze(args: string[]): Promise<Checked> {
  return new Promise((resolveRun, reject) => {
    execFile('systemd-analyze', args, { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err !== null && typeof err.code !== 'number') {
        reject(new Error(`systemd-analyze did not run (${err.message}): .ci/run installs Debian's systemd`));
        return;
      }
      resolveRun({ code: err === null ? 0 : (err.code as number), output: stdout + stderr });
    });
  });
}

/**
 * A file system root as a server has it after install.sh --server: the
 * system's own units (targets the paas units hang on), the paas units in
 * /etc/systemd/system, and an executable where ExecStart expects node.
 */
async function serverRoot(units: Record<string, string>, opts: { node?: boolean } = {}): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'paas-units-'));
  roots.push(root);
  await mkdir(join(root, 'lib', 'systemd'), { recursive: true });
  await new Promise<void>((res, rej) =>
    execFile('cp', ['-a', '/lib/systemd/system', join(root, 'lib', 'systemd', 'system')], (err) => (err ? rej(err) : res())),
  );
  await mkdir(join(root, 'etc', 'systemd', 'system'), { recursive: true });
  for (const [name, text] of Object.entries(units)) await writeFile(join(root, 'etc', 'systemd', 'system', name), text);
  // The guard's ExecStart runs bash.
  await mkdir(join(root, 'bin'), { recursive: true });
  await writeFile(join(root, 'bin', 'bash'), '#!/bin/sh\n');
  await chmod(join(root, 'bin', 'bash'), 0o755);
  if (opts.node !== false) {
    await mkdir(join(root, 'opt', 'paas', 'node', 'bin'), { recursive: true });
    await writeFile(join(root, 'opt', 'paas', 'node', 'bin', 'node'), '#!/bin/sh\n');
    await chmod(join(root, 'opt', 'paas', 'node', 'bin', 'node'), 0o755);
  }
  return root;
}

async function shipped(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of UNITS) out[name] = await readFile(join(repoRoot, 'infra', 'systemd', name), 'utf8');
  return out;
}

const verify = (root: string, names: readonly string[] = UNITS): Promise<Checked> =>
  analyze(['verify', '--man=no', `--root=${root}`, ...names]);

/** Every value of a key in a unit file, in order (comments and sections ignored). */
function values(unit: string, key: string): string[] {
  return unit
    .split('\n')
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1));
}

describe('infra/systemd units', () => {
  it('pass systemd-analyze verify with nothing to warn about', async () => {
    const root = await serverRoot(await shipped());
    expect(await verify(root)).toEqual({ code: 0, output: '' });
  });

  it('are sandboxed: systemd-analyze security rates each at most 2.5 ("OK")', async () => {
    const root = await serverRoot(await shipped());
    for (const name of UNITS.filter((u) => u.endsWith('.service'))) {
      const r = await analyze(['security', '--offline=yes', `--root=${root}`, '--threshold=25', '--no-pager', name]);
      expect([name, r.code], r.output.split('\n').filter((l) => l.includes('Overall')).join('\n')).toEqual([name, 0]);
    }
  });

  it('fail the check when a setting is misspelt or its value does not parse', async () => {
    const units = await shipped();
    const misspelt = await serverRoot({ ...units, 'paas-router.service': units['paas-router.service']!.replace('NoNewPrivileges=yes', 'NoNewPrivilege=yes') });
    const r1 = await verify(misspelt);
    expect(r1.output).toContain("Unknown key 'NoNewPrivilege'");
    expect(r1).not.toEqual({ code: 0, output: '' });

    const unparsable = await serverRoot({ ...units, 'paas-api.service': units['paas-api.service']!.replace('ProtectSystem=strict', 'ProtectSystem=strictly') });
    const r2 = await verify(unparsable);
    expect(r2.output).toContain('strictly');
    expect(r2).not.toEqual({ code: 0, output: '' });
  });

  it('fail the check when the binary ExecStart names is not there', async () => {
    const r = await verify(await serverRoot(await shipped(), { node: false }));
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('/opt/paas/node/bin/node is not executable');
  });

  it('let the router bind 80 and 443 and nothing more, and keep it apart from the API and the engine', async () => {
    const { 'paas-router.service': router, 'paas-api.service': api } = (await shipped()) as Record<(typeof UNITS)[number], string>;
    expect(values(router, 'AmbientCapabilities')).toEqual(['CAP_NET_BIND_SERVICE']);
    expect(values(router, 'CapabilityBoundingSet')).toEqual(['CAP_NET_BIND_SERVICE']);
    expect(values(router, 'NoNewPrivileges')).toEqual(['yes']);
    expect(values(router, 'Restart')).toEqual(['always']);
    expect(values(router, 'User')).toEqual(['paas']);
    // Starting, stopping or restarting the API never touches the router, and the router has no docker group.
    for (const key of ['After', 'Wants', 'Requires', 'BindsTo', 'PartOf', 'Requisite']) {
      expect([key, values(router, key).join(' ')]).not.toEqual([key, expect.stringContaining('paas-api')]);
      expect([key, values(router, key).join(' ')]).not.toEqual([key, expect.stringContaining('docker')]);
    }
    expect(values(router, 'SupplementaryGroups')).toEqual([]);

    // The API alone reaches the engine; neither dockerd's nor the router's restart stops it.
    expect(values(api, 'SupplementaryGroups')).toEqual(['docker']);
    expect(values(api, 'CapabilityBoundingSet')).toEqual(['']);
    expect(values(api, 'AmbientCapabilities')).toEqual([]);
    expect(values(api, 'NoNewPrivileges')).toEqual(['yes']);
    expect(values(api, 'Restart')).toEqual(['always']);
    for (const key of ['Requires', 'BindsTo', 'PartOf', 'Requisite']) expect([key, values(api, key)]).toEqual([key, []]);
    for (const unit of [router, api]) {
      expect(values(unit, 'EnvironmentFile')).toEqual(['/etc/paas/paas.env']);
      expect(values(unit, 'StateDirectory')).toEqual(['paas']);
      expect(values(unit, 'ProtectSystem')).toEqual(['strict']);
    }
  });
});
