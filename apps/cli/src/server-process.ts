import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** One background process of a local platform: the API or the router. */
export interface ManagedProcess {
  name: 'api' | 'router';
  /** Absolute path of the server entry run with this node binary. */
  entry: string;
  pidFile: string;
  logFile: string;
}

export function processFiles(home: string, name: 'api' | 'router'): { pidFile: string; logFile: string } {
  return { pidFile: join(home, 'run', `${name}.pid`), logFile: join(home, 'logs', `${name}.log`) };
}

/** Alive and, where /proc tells, still a node server (a recycled pid is not ours). */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('server');
  } catch {
    return true;
  }
}

export async function readPid(pidFile: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The pid when the process in the pid file runs; a stale pid file is removed. */
export async function runningPid(pidFile: string): Promise<number | undefined> {
  const pid = await readPid(pidFile);
  if (pid === undefined) return undefined;
  if (await isAlive(pid)) return pid;
  await rm(pidFile, { force: true });
  return undefined;
}

/** Starts a server detached from this terminal: it outlives the CLI, its output goes to its log. */
export async function startDetached(proc: ManagedProcess, env: Record<string, string | undefined>, cwd: string): Promise<number> {
  await mkdir(join(proc.logFile, '..'), { recursive: true, mode: 0o700 });
  await mkdir(join(proc.pidFile, '..'), { recursive: true, mode: 0o700 });
  const fd = openSync(proc.logFile, 'a', 0o600);
  try {
    const child = spawn(process.execPath, [proc.entry], { detached: true, stdio: ['ignore', fd, fd], env, cwd });
    const pid = child.pid;
    if (pid === undefined) {
      // spawn reports why on the next tick; wait for it rather than guess.
      const err = await new Promise<Error>((resolve) => child.once('error', resolve));
      throw err;
    }
    child.unref();
    await writeFile(proc.pidFile, `${pid}\n`, { mode: 0o600 });
    return pid;
  } finally {
    closeSync(fd);
  }
}

/** SIGTERM, then SIGKILL after the grace period; resolves once the process is gone. */
export async function stopProcess(pid: number, graceMs = 10_000): Promise<'stopped' | 'killed'> {
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!(await isAlive(pid))) return 'stopped';
    await sleep(100);
  }
  signal('SIGKILL');
  while (await isAlive(pid)) await sleep(50);
  return 'killed';
}

/** True when something accepts TCP connections on host:port. */
export function canConnect(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

/** The last lines of a log, to show why a server did not come up. */
export async function tailFile(file: string, lines = 20): Promise<string[]> {
  try {
    const text = await readFile(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines);
  } catch {
    return [];
  }
}
