import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Fails loudly when no engine answers: these tests must run in CI. */
export async function assertDocker(): Promise<void> {
  try {
    await run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 15_000 });
  } catch {
    throw new Error('no Docker Engine answers: run infra/install.sh first (the e2e suite needs a real engine)');
  }
}

/** Removes every container, volume, network and image labelled paas.test=<runId>. */
export async function removeLabelled(runId: string): Promise<void> {
  const filter = `label=paas.test=${runId}`;
  const ids = async (args: string[]): Promise<string[]> =>
    (await run('docker', args).catch(() => ({ stdout: '' }))).stdout.split('\n').filter(Boolean);
  const containers = await ids(['ps', '-aq', '--filter', filter]);
  if (containers.length) await run('docker', ['rm', '-f', '-v', ...containers]).catch(() => undefined);
  // Data services keep their state in labelled volumes, which outlive their containers.
  const volumes = await ids(['volume', 'ls', '-q', '--filter', filter]);
  if (volumes.length) await run('docker', ['volume', 'rm', '-f', ...volumes]).catch(() => undefined);
  const networks = await ids(['network', 'ls', '-q', '--filter', filter]);
  for (const network of networks) await removeFirewallRules(network);
  if (networks.length) await run('docker', ['network', 'rm', ...networks]).catch(() => undefined);
  const images = await ids(['images', '-q', '--filter', filter]);
  if (images.length) await run('docker', ['rmi', '-f', ...new Set(images)]).catch(() => undefined);
}

/** The host firewall rules that name a network's bridge (the build network's, which a killed API leaves behind). */
async function removeFirewallRules(network: string): Promise<void> {
  const inspect = ['network', 'inspect', '-f', '{{index .Options "com.docker.network.bridge.name"}}', network];
  const bridge = (await run('docker', inspect).catch(() => ({ stdout: '' }))).stdout.trim();
  if (bridge === '' || bridge === '<no value>') return;
  const rules = (await run('iptables', ['-w', '-S', 'INPUT']).catch(() => ({ stdout: '' }))).stdout.split('\n');
  for (const rule of rules.filter((r) => r.startsWith('-A INPUT ') && r.includes(` -i ${bridge} `))) {
    await run('iptables', ['-w', '-D', ...rule.slice('-A '.length).split(' ')]).catch(() => undefined);
  }
}

export async function countLabelled(runId: string, kind: 'ps' | 'network' | 'images'): Promise<number> {
  const args = kind === 'ps' ? ['ps', '-aq'] : kind === 'network' ? ['network', 'ls', '-q'] : ['images', '-q'];
  const { stdout } = await run('docker', [...args, '--filter', `label=paas.test=${runId}`]);
  return stdout.split('\n').filter(Boolean).length;
}
