import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { DataServiceInfo } from '@paas/core';
import { copyApp } from './app-dir.js';
import { getVia } from './http.js';
import type { CliResult, Platform } from './platform.js';

const run = promisify(execFile);

/**
 * Env for startPlatform when builds fetch over HTTPS (npm install): the
 * host's CA bundle, so a build behind a TLS-inspecting proxy trusts what the
 * host trusts (PAAS_BUILD_CA_FILE, docs/operating.md).
 */
export function buildCaEnv(): NodeJS.ProcessEnv {
  const file = process.env.PAAS_BUILD_CA_FILE || ['/etc/ssl/certs/ca-certificates.crt'].find((f) => existsSync(f));
  return file ? { PAAS_BUILD_CA_FILE: file } : {};
}

/** Polls `probe` until it returns something other than undefined/false; fails with `what` and the last error. */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as T;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${(last as Error).message})` : ''}`);
}

/** Text of a CLI result for assertion messages. */
export function shown(r: CliResult): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/** Fails with the whole output unless the command exited 0. */
export function ok(r: CliResult, what: string): CliResult {
  if (r.code !== 0) throw new Error(`${what} failed: ${shown(r)}`);
  return r;
}

/** GET through the router like getVia, with a longer timeout (for pages that wait on something). */
export function getSlow(port: number, host: string, path: string, timeoutMs = 30_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers: { host }, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer to GET ${path} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * A private copy of an example or fixture, created as APP and pushed once.
 * `edit` may change the copy first. Returns the copy's directory (linked to
 * the app) and the first push's output.
 */
export async function createAndPush(p: Platform, from: string, app: string, edit?: (dir: string) => Promise<void>): Promise<{ dir: string; push: CliResult }> {
  const dir = await copyApp(from);
  if (edit) await edit(dir);
  ok(await p.paas(['create', app], { cwd: dir }), `paas create ${app}`);
  const push = ok(await p.paas(['push'], { cwd: dir }), `the first push of ${app}`);
  return { dir, push };
}

/** Replaces `from` by `to` in a file of the app copy (fails when `from` is not there). */
export async function editFile(dir: string, file: string, from: string, to: string): Promise<void> {
  const path = join(dir, file);
  const text = await readFile(path, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} has no ${JSON.stringify(from)}`);
  await writeFile(path, text.replace(from, to));
}

/** The `visits: N` of a page. */
export function visitsOf(body: string): number {
  const m = /^visits: (\d+)$/m.exec(body);
  if (!m) throw new Error(`no "visits: N" in ${JSON.stringify(body)}`);
  return Number(m[1]);
}

/** GET / through the router: expects 200 and returns the visit count and the body. */
export async function visit(p: Platform, host: string): Promise<{ visits: number; body: string }> {
  const r = await getVia(p.routerPort, host, '/');
  if (r.status !== 200) throw new Error(`GET http://${host}/ answered ${r.status}: ${r.body}`);
  return { visits: visitsOf(r.body), body: r.body };
}

export interface DataContainer {
  id: string;
  running: boolean;
  restartCount: number;
  /** Host PID of the container's first process (0 when not running). */
  pid: number;
  image: string;
  labels: Record<string, string>;
}

/** The data service container of APP's SERVICE on this platform (by its labels), or null. */
export async function dataContainer(p: Platform, app: string, service: string): Promise<DataContainer | null> {
  const { stdout } = await run('docker', [
    'ps', '-aq', '--no-trunc',
    '--filter', `label=paas.test=${p.runId}`,
    '--filter', `label=paas.app=${app}`,
    '--filter', `label=paas.service=${service}`,
    '--filter', 'label=paas.data',
  ]);
  const ids = stdout.split('\n').filter(Boolean);
  if (ids.length > 1) throw new Error(`${ids.length} data containers for ${app}/${service}: ${ids.join(', ')}`);
  if (ids.length === 0) return null;
  const info = JSON.parse((await run('docker', ['inspect', ids[0]!])).stdout)[0];
  return {
    id: info.Id,
    running: info.State.Running === true && info.State.Restarting !== true,
    restartCount: info.RestartCount,
    pid: info.State.Pid,
    image: info.Config.Image,
    labels: info.Config.Labels ?? {},
  };
}

/** Volumes of this platform's data services (optionally of one app / service): their names. */
export async function dataVolumes(p: Platform, app?: string, service?: string): Promise<string[]> {
  const filters = ['--filter', `label=paas.test=${p.runId}`, '--filter', 'label=paas.data'];
  if (app) filters.push('--filter', `label=paas.app=${app}`);
  if (service) filters.push('--filter', `label=paas.service=${service}`);
  const { stdout } = await run('docker', ['volume', 'ls', '-q', ...filters]);
  return stdout.split('\n').filter(Boolean);
}

/** Data service containers of this platform (optionally of one app / service): their ids. */
export async function dataContainerIds(p: Platform, app?: string, service?: string): Promise<string[]> {
  const filters = ['--filter', `label=paas.test=${p.runId}`, '--filter', 'label=paas.data'];
  if (app) filters.push('--filter', `label=paas.app=${app}`);
  if (service) filters.push('--filter', `label=paas.service=${service}`);
  const { stdout } = await run('docker', ['ps', '-aq', ...filters]);
  return stdout.split('\n').filter(Boolean);
}

/**
 * A crash: SIGKILL to the container's first process from the host, as the
 * kernel's OOM killer would. The engine sees the container die on its own,
 * so its restart policy applies (unlike `docker kill`, which the engine
 * counts as a manual stop).
 */
export async function crashContainer(c: DataContainer): Promise<void> {
  if (!c.running || c.pid <= 0) throw new Error(`container ${c.id} is not running`);
  process.kill(c.pid, 'SIGKILL');
}

export async function dockerKill(id: string): Promise<void> {
  await run('docker', ['kill', id]);
}

/** Waits until APP's SERVICE container runs again after `before` died (restart count up, or a new container). */
export async function waitForDataRestart(p: Platform, app: string, service: string, before: DataContainer, timeoutMs = 90_000): Promise<DataContainer> {
  return waitUntil(
    `${app}/${service} running again`,
    async () => {
      const now = await dataContainer(p, app, service);
      if (!now?.running) return undefined;
      return now.id !== before.id || now.restartCount > before.restartCount || now.pid !== before.pid ? now : undefined;
    },
    timeoutMs,
    250,
  );
}

/** `paas info SERVICE --json` (with `--show-secrets` when asked). */
export async function serviceInfo(p: Platform, dir: string, service: string, secrets = false): Promise<DataServiceInfo> {
  const r = ok(await p.paas(['info', service, '--json', ...(secrets ? ['--show-secrets'] : [])], { cwd: dir }), `paas info ${service}`);
  return JSON.parse(r.stdout) as DataServiceInfo;
}

/** Whether an image is on the engine. */
export async function imageOnEngine(ref: string): Promise<boolean> {
  return run('docker', ['image', 'inspect', ref]).then(
    () => true,
    () => false,
  );
}

/** `docker history --no-trunc` and `docker image inspect` of this platform's images of APP, as one text. */
export async function appImagesText(p: Platform, app: string): Promise<{ images: string[]; text: string }> {
  const { stdout } = await run('docker', ['images', '-q', '--no-trunc', '--filter', `label=paas.test=${p.runId}`, '--filter', `label=paas.app=${app}`]);
  const images = [...new Set(stdout.split('\n').filter(Boolean))];
  let text = '';
  for (const id of images) {
    text += (await run('docker', ['history', '--no-trunc', '--format', '{{.CreatedBy}}', id], { maxBuffer: 64 * 1024 * 1024 })).stdout;
    text += (await run('docker', ['image', 'inspect', id], { maxBuffer: 64 * 1024 * 1024 })).stdout;
  }
  return { images, text };
}

/** Fails when `secret` (or its URL-encoded form) is in `text`; `where` names the text. */
export function assertNoSecret(text: string, secret: string, where: string): void {
  if (secret.length < 8) throw new Error(`a secret of ${secret.length} characters is too short to look for`);
  for (const form of new Set([secret, encodeURIComponent(secret)])) {
    const at = text.indexOf(form);
    if (at >= 0) throw new Error(`the password is in ${where}: …${text.slice(Math.max(0, at - 80), at)}<PASSWORD>…`);
  }
}
