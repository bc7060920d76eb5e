import type Dockerode from 'dockerode';
import { PassThrough, type Duplex } from 'node:stream';
import { engine, engineUnless404, toEngineError } from './engine-errors.js';
import type { ProcessSession, ProcessSpec } from './types.js';

/** argv runs in ~/current when it exists (a data service has only ~), exactly as given: no shell parses it. */
export function processArgv(proc: ProcessSpec): string[] {
  const dir = proc.workdir ?? '/home/app/current';
  return ['sh', '-c', `cd "$1" 2>/dev/null || cd /home/app 2>/dev/null || cd /; shift; exec "$@"`, 'paas-run', dir, ...proc.argv];
}

/**
 * Wraps a hijacked engine connection as a ProcessSession. Without a TTY the
 * engine multiplexes stdout and stderr into frames, split here.
 */
export function toSession(
  docker: Dockerode,
  socket: Duplex,
  tty: boolean,
  exitCode: () => Promise<number>,
  resize: (cols: number, rows: number) => Promise<void>,
  kill: () => Promise<void>,
): ProcessSession {
  const stdout = new PassThrough();
  const stderr = tty ? null : new PassThrough();
  if (tty) socket.pipe(stdout);
  else docker.modem.demuxStream(socket, stdout, stderr as PassThrough);
  const ended = new Promise<void>((resolve) => {
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      if (!tty) {
        stdout.end();
        stderr?.end();
      }
      resolve();
    };
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', finish);
  });
  // Writes go to the engine; end() half-closes, which the engine turns into EOF on the process's stdin.
  const stdin = new PassThrough();
  stdin.pipe(socket);
  stdin.on('error', () => undefined);
  socket.on('error', () => undefined);
  return {
    stdin,
    stdout,
    stderr,
    resize,
    kill,
    wait: async () => {
      await ended;
      return exitCode();
    },
  };
}

/** Starts argv in a running container as an exec. */
export async function execProcess(docker: Dockerode, id: string, proc: ProcessSpec): Promise<ProcessSession> {
  const exec = await engine(
    docker.getContainer(id).exec({
      Cmd: processArgv(proc),
      User: proc.user ?? 'app',
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: proc.tty,
      Env: Object.entries(proc.env ?? {}).map(([k, v]) => `${k}=${v}`),
      ...(proc.tty ? { ConsoleSize: [proc.rows ?? 24, proc.cols ?? 80] } : {}),
    } as Dockerode.ExecCreateOptions),
  );
  const socket = (await engine(exec.start({ hijack: true, stdin: true, Tty: proc.tty }))) as Duplex;
  if (proc.tty && proc.cols && proc.rows) await exec.resize({ h: proc.rows, w: proc.cols }).catch(() => undefined);
  return toSession(
    docker,
    socket,
    proc.tty,
    async () => {
      // The stream can end a moment before the engine records the exit code.
      for (let attempt = 0; attempt < 40; attempt++) {
        const info = await engine(exec.inspect());
        if (!info.Running) return typeof info.ExitCode === 'number' ? info.ExitCode : 137;
        await new Promise((r) => setTimeout(r, 25));
      }
      return 137;
    },
    async (cols, rows) => {
      await exec.resize({ h: rows, w: cols }).catch((err: unknown) => Promise.reject(toEngineError(err)));
    },
    async () => {
      socket.destroy();
    },
  );
}

/** Attaches to a created (not yet started) one-off container, starts it, and removes it once it exits. */
export async function startOneOff(docker: Dockerode, container: Dockerode.Container, proc: ProcessSpec): Promise<ProcessSession> {
  const socket = (await engine(
    container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true }),
  )) as unknown as Duplex;
  const waited = engine(container.wait()).then(
    (r: { StatusCode?: number }) => r.StatusCode ?? 137,
    () => 137,
  );
  try {
    await engine(container.start());
  } catch (err) {
    socket.destroy();
    await engineUnless404(container.remove({ force: true })).catch(() => undefined);
    throw err;
  }
  if (proc.tty && proc.cols && proc.rows) await container.resize({ h: proc.rows, w: proc.cols }).catch(() => undefined);
  const remove = async (): Promise<void> => {
    await engineUnless404(container.remove({ force: true })).catch(() => undefined);
  };
  return toSession(
    docker,
    socket,
    proc.tty,
    async () => {
      const code = await waited;
      await remove();
      return code;
    },
    async (cols, rows) => {
      await container.resize({ h: rows, w: cols }).catch(() => undefined);
    },
    async () => {
      socket.destroy();
      await remove();
    },
  );
}
