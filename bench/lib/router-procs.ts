import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** Every child the router bench starts; stopAll() runs on success, failure and signals. */
export class Children {
  readonly #procs = new Set<ChildProcess>();

  start(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#procs.add(child);
    let tail = '';
    const keep = (b: Buffer): void => {
      tail = (tail + b.toString()).slice(-2_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.once('exit', (code, signal) => {
      this.#procs.delete(child);
      if (code !== 0 && signal === null && !this.#stopping) process.stderr.write(`${name} exited with ${code}:\n${tail}\n`);
    });
    return child;
  }

  #stopping = false;

  /** SIGTERM, then SIGKILL after 5 s for anything still running. */
  async stopAll(): Promise<void> {
    this.#stopping = true;
    await Promise.all([...this.#procs].map((c) => stop(c)));
  }
}

export function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Polls until something accepts connections on the port. */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
