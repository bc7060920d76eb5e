import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeAppCopies } from './app-dir.js';
import { assertDocker, removeLabelled } from './docker.js';
import { cliBin, repoRoot } from './paths.js';
import { freePort } from './ports.js';

export { cliBin, repoRoot };

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Platform {
  runId: string;
  home: string;
  apiPort: number;
  routerPort: number;
  controlPort: number;
  env: NodeJS.ProcessEnv;
  /** Runs the real `paas` binary against this platform. */
  paas(args: string[], opts?: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string }): Promise<CliResult>;
  adminToken(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts a whole platform (API + router, through `paas server start`) in a
 * fresh PAAS_HOME on free ports. Everything it creates in Docker carries
 * paas.test=<runId> and is removed by stop(), which tests call in afterAll,
 * together with PAAS_HOME and the app copies the test made.
 */
export async function startPlatform(extraEnv: NodeJS.ProcessEnv = {}): Promise<Platform> {
  await assertDocker();
  const runId = `e2e-${randomBytes(4).toString('hex')}`;
  const home = extraEnv.PAAS_HOME ?? (await mkdtemp(join(tmpdir(), 'paas-e2e-')));
  const [apiPort, routerPort, controlPort] = [await freePort(), await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PAAS_HOME: home,
    PAAS_API_PORT: String(apiPort),
    PAAS_ROUTER_PORT: String(routerPort),
    PAAS_ROUTER_CONTROL_PORT: String(controlPort),
    PAAS_LABELS: `paas.test=${runId}`,
    PAAS_STOP_GRACE_MS: '3000',
    PAAS_WORKER_ALIVE_MS: '2000',
    NO_COLOR: '1',
    ...extraEnv,
  };
  delete env.PAAS_API_URL;
  delete env.PAAS_TOKEN;
  delete env.DATABASE_URL;
  const paas: Platform['paas'] = (args, opts = {}) =>
    new Promise((resolveRun) => {
      const child = spawn(process.execPath, [cliBin, ...args], {
        cwd: opts.cwd ?? home,
        env: { ...env, ...opts.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdin.end(opts.input ?? '');
      child.on('close', (code) => resolveRun({ code: code ?? -1, stdout, stderr }));
    });
  const platform: Platform = {
    runId,
    home,
    apiPort,
    routerPort,
    controlPort,
    env,
    paas,
    adminToken: async () => (await readFile(join(home, 'admin.token'), 'utf8')).trim(),
    stop: async () => {
      await paas(['server', 'stop']).catch(() => undefined);
      await removeLabelled(runId);
      await rm(home, { recursive: true, force: true });
      await removeAppCopies();
    },
  };
  const started = await paas(['server', 'start']);
  if (started.code !== 0) {
    const logs = await readFile(join(home, 'logs', 'api.log'), 'utf8').catch(() => '');
    await platform.stop();
    throw new Error(`paas server start failed (${started.code}):\n${started.stdout}${started.stderr}\n${logs.slice(-3000)}`);
  }
  return platform;
}
