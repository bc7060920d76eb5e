import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { PaasError, type Whoami } from '@paas/core';
import { ApiClient } from './api-client.js';
import type { Config } from './config.js';
import { writeFileAtomic } from './files.js';
import { localHost, saveLogin } from './login-store.js';
import type { Output } from './output.js';
import {
  canConnect, processFiles, runningPid, startDetached, stopProcess, tailFile, type ManagedProcess,
} from './server-process.js';

export type ServerName = 'api' | 'router';
/** Entry files of the two servers; tests pass their own. */
export type Entries = Record<ServerName, string>;

const START_TIMEOUT_MS = 60_000;

/** Where the built servers are, found the way node would import them. */
export function resolveEntries(): Entries {
  const resolveOne = (specifier: string): string => {
    try {
      return fileURLToPath(import.meta.resolve(specifier));
    } catch (err) {
      throw new PaasError('INTERNAL', `cannot find ${specifier}`, { hint: 'build the platform first: npx turbo run build', cause: err });
    }
  };
  return { api: resolveOne('@paas/api/server'), router: resolveOne('@paas/router/server') };
}

/** Where to reach a listener bound to host: an any-address is reached on loopback. */
export function reachableHost(host: string): string {
  return host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
}

export function apiUrl(config: Config): string {
  return `http://${localHost(config.apiHost)}:${config.apiPort}`;
}

/** The router's control token, generated once per PAAS_HOME so restarts keep API and router agreeing. */
async function routerToken(config: Config): Promise<string> {
  if (config.routerToken !== undefined) return config.routerToken;
  const file = join(config.home, 'router.token');
  try {
    const saved = (await readFile(file, 'utf8')).trim();
    if (saved !== '') return saved;
  } catch {
    // first start
  }
  const token = randomBytes(32).toString('hex');
  await writeFileAtomic(file, `${token}\n`, 0o600);
  return token;
}

function managed(config: Config, entries: Entries, name: ServerName): ManagedProcess {
  return { name, entry: entries[name], ...processFiles(config.home, name) };
}

export interface ProcessStatus {
  pid: number | null;
  port: number;
  up: boolean;
}

export interface ServerStatus {
  home: string;
  api: ProcessStatus & { url: string };
  router: ProcessStatus & { host: string; controlPort: number };
}

async function apiAnswers(config: Config): Promise<boolean> {
  try {
    await new ApiClient({ api: apiUrl(config), token: undefined, timeoutMs: 2000 }).request('GET', '/health', undefined, { anonymous: true });
    return true;
  } catch {
    return false;
  }
}

export async function serverStatus(config: Config): Promise<ServerStatus> {
  const apiPid = await runningPid(processFiles(config.home, 'api').pidFile);
  const routerPid = await runningPid(processFiles(config.home, 'router').pidFile);
  return {
    home: config.home,
    api: { pid: apiPid ?? null, port: config.apiPort, url: apiUrl(config), up: apiPid !== undefined && (await apiAnswers(config)) },
    router: {
      pid: routerPid ?? null,
      host: config.routerHost,
      port: config.routerPort,
      controlPort: config.routerControlPort,
      up: routerPid !== undefined && (await canConnect(reachableHost(config.routerHost), config.routerPort)),
    },
  };
}

/** Polls until ready() or the process dies or the deadline passes, printing progress every 5 s. */
async function waitFor(
  what: string, proc: ManagedProcess, pid: number, ready: () => Promise<boolean>, out: Output,
): Promise<void> {
  const started = Date.now();
  let nextNote = started + 5000;
  for (;;) {
    if (await ready()) return;
    if ((await runningPid(proc.pidFile)) !== pid) {
      throw new PaasError('API_UNREACHABLE', `the ${what} exited while starting`, {
        hint: `its log says why: ${proc.logFile}\n${(await tailFile(proc.logFile)).map((l) => `       | ${l}`).join('\n')}`,
      });
    }
    if (Date.now() - started > START_TIMEOUT_MS) {
      throw new PaasError('API_UNREACHABLE', `the ${what} did not answer within ${START_TIMEOUT_MS / 1000} s`, { hint: `see ${proc.logFile}` });
    }
    if (Date.now() >= nextNote) {
      out.detail(`waiting for the ${what} (${Math.round((Date.now() - started) / 1000)} s)…`);
      nextNote += 5000;
    }
    await sleep(250);
  }
}

/** Saves a login to the local API with the admin token it wrote on first start. */
async function loginLocally(config: Config, out: Output): Promise<void> {
  const tokenFile = join(config.home, 'admin.token');
  let token: string;
  try {
    token = (await readFile(tokenFile, 'utf8')).trim();
  } catch {
    out.warn(`no ${tokenFile}: log in yourself with paas login --api ${apiUrl(config)} --token TOKEN`);
    return;
  }
  const api = apiUrl(config);
  const me = await new ApiClient({ api, token }).request<Whoami>('GET', '/whoami');
  await saveLogin(config, { api, token });
  out.detail(`logged in as ${me.name} (${join(config.home, 'cli.json')})`);
}

export async function startServer(config: Config, out: Output, entries: Entries = resolveEntries()): Promise<void> {
  const running = await serverStatus(config);
  if (running.api.pid !== null && running.router.pid !== null) {
    out.step(`paas is already running (api pid ${running.api.pid} on ${running.api.url}, router pid ${running.router.pid} on :${config.routerPort})`);
    return;
  }
  // PAAS_HOME holds the store, tokens and keys: no other local user may read it (reliability 40).
  await mkdir(config.home, { recursive: true, mode: 0o700 });
  await chmod(config.home, 0o700);
  const env: Record<string, string | undefined> = {
    ...config.env,
    PAAS_HOME: config.home,
    PAAS_API_PORT: String(config.apiPort),
    PAAS_API_HOST: config.apiHost,
    PAAS_ROUTER_HOST: config.routerHost,
    PAAS_ROUTER_PORT: String(config.routerPort),
    PAAS_ROUTER_CONTROL_PORT: String(config.routerControlPort),
    PAAS_ROUTER_TOKEN: await routerToken(config),
  };
  const started: number[] = [];
  try {
    // The router first: the API pushes its route table to it on start.
    const router = managed(config, entries, 'router');
    if (running.router.pid === null) {
      const pid = await startDetached(router, env, config.home);
      started.push(pid);
      out.step(`Starting the router (pid ${pid}) on ${config.routerHost}:${config.routerPort}, log ${router.logFile}`);
      await waitFor('router', router, pid, () => canConnect(reachableHost(config.routerHost), config.routerPort), out);
    }
    const api = managed(config, entries, 'api');
    if (running.api.pid === null) {
      const pid = await startDetached(api, env, config.home);
      started.push(pid);
      out.step(`Starting the API (pid ${pid}) on ${apiUrl(config)}, log ${api.logFile}`);
      await waitFor('API', api, pid, () => apiAnswers(config), out);
    }
  } catch (err) {
    // Leave nothing half-started behind.
    for (const pid of started) await stopProcess(pid, 5000);
    throw err;
  }
  await loginLocally(config, out);
  out.step(`paas is up: ${apiUrl(config)}, apps at http://<app>.${config.domain}:${config.routerPort}`);
  const tlsPort = config.env.PAAS_ROUTER_TLS_PORT || '8443';
  if (tlsPort !== 'off' && tlsPort !== '0' && !config.env.PAAS_TLS_CERT_FILE) {
    out.detail(`HTTPS on :${tlsPort} with a self-signed certificate for *.${config.domain}: browsers and curl warn (paas certs; PAAS_TLS_CERT_FILE and PAAS_TLS_KEY_FILE for a real one)`);
  }
}

export async function stopServer(config: Config, out: Output, graceMs = 10_000): Promise<void> {
  let any = false;
  // The API first: the router keeps serving while the control plane goes.
  for (const name of ['api', 'router'] as const) {
    const { pidFile } = processFiles(config.home, name);
    const pid = await runningPid(pidFile);
    if (pid === undefined) continue;
    any = true;
    out.step(`Stopping the ${name === 'api' ? 'API' : 'router'} (pid ${pid})`);
    const how = await stopProcess(pid, graceMs);
    if (how === 'killed') out.detail(`did not stop within ${graceMs / 1000} s: killed`);
    await rm(pidFile, { force: true });
  }
  if (!any) out.step(`paas is not running (${config.home})`);
}

