import type Dockerode from 'dockerode';
import { randomBytes } from 'node:crypto';
import { PassThrough, type Duplex } from 'node:stream';
import { engine, engineUnless404, toEngineError } from './engine-errors.js';
import { toEnvList } from './env-list.js';
import { FrameDemuxer } from './frame-demuxer.js';
import type { ProcessSession, ProcessSpec } from './types.js';

/** argv runs in ~/current when it exists (a data service has only ~), exactly as given: no shell parses it. */
export function processArgv(proc: ProcessSpec): string[] {
  const dir = proc.workdir ?? '/home/app/current';
  return ['sh', '-c', `cd "$1" 2>/dev/null || cd /home/app 2>/dev/null || cd /; shift; exec "$@"`, 'paas-run', dir, ...proc.argv];
}

/**
 * Wraps a hijacked engine connection as a ProcessSession. Without a TTY the
 * engine multiplexes stdout and stderr into frames, split here. Both
 * directions are piped, so a slow reader slows the process instead of
 * filling the API's memory.
 */
export function toSession(
  socket: Duplex,
  tty: boolean,
  exitCode: () => Promise<number>,
  resize: (cols: number, rows: number) => Promise<void>,
  kill: () => Promise<void>,
): ProcessSession {
  const stdout = new PassThrough();
  const stderr = tty ? null : new PassThrough();
  const sink = tty ? stdout : new FrameDemuxer(stdout, stderr as PassThrough);
  socket.pipe(sink);
  const ended = new Promise<void>((resolve) => {
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      // A destroyed connection never ends the pipe: the outputs end here then.
      if (!sink.writableEnded) sink.end();
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

/**
 * Variable that marks every process of one `attach` (children inherit it):
 * the engine has no "kill exec", and closing the connection leaves the
 * process running, so kill() finds the processes by it.
 */
export const RUN_MARKER = 'PAAS_RUN_ID';

/*
 * Ends the processes whose environment holds the marker: SIGHUP (the
 * terminal went away), then SIGKILL for what is left after 2 s. Uses only
 * sh, tr and grep (Essential in Debian, so in every stack image). A process
 * that cleared its environment is not found.
 */
const KILLER = [
  'scan() { for d in /proc/[0-9]*; do tr "\\0" "\\n" < "$d/environ" 2>/dev/null | grep -qxF "$1" && echo "${d#/proc/}"; done; }',
  'pids=$(scan "$1"); [ -n "$pids" ] || exit 0',
  'kill -HUP $pids 2>/dev/null',
  'for i in 1 2 3 4 5 6 7 8 9 10; do sleep 0.2; pids=$(scan "$1"); [ -n "$pids" ] || exit 0; done',
  'kill -KILL $pids 2>/dev/null; exit 0',
].join('\n');

async function killMarked(docker: Dockerode, id: string, user: string, marker: string): Promise<void> {
  const exec = await engine(
    docker.getContainer(id).exec({ Cmd: ['sh', '-c', KILLER, 'paas-kill', marker], User: user, AttachStdout: true, AttachStderr: true }),
  );
  const stream = (await engine(exec.start({ hijack: true, stdin: false }))) as Duplex;
  stream.resume();
  await new Promise<void>((resolve) => {
    stream.on('close', resolve);
    stream.on('end', resolve);
    stream.on('error', () => resolve());
  });
}

/** Starts argv in a running container as an exec. */
export async function execProcess(docker: Dockerode, id: string, proc: ProcessSpec): Promise<ProcessSession> {
  const user = proc.user ?? 'app';
  const marker = `${RUN_MARKER}=${randomBytes(12).toString('hex')}`;
  const exec = await engine(
    docker.getContainer(id).exec({
      Cmd: processArgv(proc),
      User: user,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: proc.tty,
      Env: [...toEnvList(proc.env ?? {}), marker],
      ...(proc.tty ? { ConsoleSize: [proc.rows ?? 24, proc.cols ?? 80] } : {}),
    } as Dockerode.ExecCreateOptions),
  );
  const socket = (await engine(exec.start({ hijack: true, stdin: true, Tty: proc.tty }))) as Duplex;
  if (proc.tty && proc.cols && proc.rows) await exec.resize({ h: proc.rows, w: proc.cols }).catch(() => undefined);
  let killed: Promise<void> | undefined;
  return toSession(
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
    () => {
      killed ??= (async () => {
        try {
          await killMarked(docker, id, user, marker);
        } finally {
          socket.destroy();
        }
      })();
      return killed;
    },
  );
}

/** Attaches to a created (not yet started) one-off container with AutoRemove, starts it, and makes sure it is removed. */
export async function startOneOff(container: Dockerode.Container, proc: ProcessSpec): Promise<ProcessSession> {
  const socket = (await engine(
    container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true }),
  )) as unknown as Duplex;
  // The container is created with AutoRemove: `removed` answers with the exit status once it is gone, so
  // wait() means "ended and removed". (The default, not-running, answers at once, with 0, before the start.)
  const waited = engine(container.wait({ condition: 'removed' })).then(
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
