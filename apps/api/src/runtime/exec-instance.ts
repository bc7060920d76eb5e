import type Dockerode from 'dockerode';
import type { Duplex } from 'node:stream';
import { demuxFrames } from './demux.js';
import { engine, toEngineError } from './engine-errors.js';
import { formatSeconds } from './format-seconds.js';
import type { ExecResult } from './types.js';

/** Exit status of coreutils `timeout`, which callers already recognise. */
export const EXEC_TIMEOUT_EXIT = 124;
/** Reported when the command's end cannot be observed (the instance stopped, the engine went away). */
export const EXEC_KILLED_EXIT = 137;
const MAX_OUTPUT_BYTES = 8 * 1024 * 1024;
/** How long after the deadline we stop waiting for `timeout` itself to report. */
const BACKSTOP_MS = 5000;

/*
 * The command runs as `sh -c command` exactly; this outer script only picks
 * the directory (~/current exists once code is deployed, a fresh data
 * service has only ~) and bounds the run. The engine has no "kill exec", so
 * the deadline is enforced inside the container by coreutils `timeout`
 * (Essential in Debian, so in every stack image): TERM to the command's
 * process group, KILL 2 s later. The command travels as an argument, so no
 * quoting happens anywhere.
 */
const WRAPPER = [
  'cd /home/app/current 2>/dev/null || cd /home/app || exit 126',
  'if command -v timeout >/dev/null 2>&1; then exec timeout -k 2 "$2" sh -c "$1"; fi',
  'exec sh -c "$1"',
].join('\n');

function withNote(output: string, note: string): string {
  return `${output}${output === '' || output.endsWith('\n') ? '' : '\n'}${note}\n`;
}

export async function execInInstance(docker: Dockerode, id: string, command: string, timeoutMs: number): Promise<ExecResult> {
  const exec = await engine(
    docker.getContainer(id).exec({
      Cmd: ['sh', '-c', WRAPPER, 'paas-exec', command, String(Math.max(timeoutMs, 1) / 1000)],
      User: 'app',
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
    }),
  );
  const started = Date.now();
  const stream = (await engine(exec.start({ hijack: true, stdin: false }))) as Duplex;

  const chunks: Buffer[] = [];
  let kept = 0;
  let truncated = false;
  stream.on('data', (chunk: Buffer) => {
    if (kept >= MAX_OUTPUT_BYTES) { truncated = true; return; }
    chunks.push(chunk);
    kept += chunk.length;
  });
  const finished = await new Promise<'ended' | 'backstop'>((resolve, reject) => {
    const backstop = setTimeout(() => { stream.destroy(); resolve('backstop'); }, timeoutMs + BACKSTOP_MS);
    const done = (): void => { clearTimeout(backstop); resolve('ended'); };
    stream.on('end', done);
    stream.on('close', done);
    stream.on('error', (err) => { clearTimeout(backstop); reject(toEngineError(err)); });
  });

  let output = demuxFrames(Buffer.concat(chunks)).toString('utf8');
  if (truncated) output = withNote(output, `paas: output cut at ${MAX_OUTPUT_BYTES} bytes`);
  if (finished === 'backstop') {
    return { exitCode: EXEC_TIMEOUT_EXIT, output: withNote(output, `paas: command timed out after ${formatSeconds(timeoutMs)}`) };
  }

  const exitCode = await waitExitCode(exec);
  if (exitCode === null) {
    return { exitCode: EXEC_KILLED_EXIT, output: withNote(output, 'paas: the command was killed (the instance stopped)') };
  }
  if (exitCode === EXEC_TIMEOUT_EXIT && Date.now() - started >= timeoutMs) {
    return { exitCode, output: withNote(output, `paas: command timed out after ${formatSeconds(timeoutMs)} and was killed`) };
  }
  return { exitCode, output };
}

/** The stream can end a moment before the engine records the exit code. */
async function waitExitCode(exec: Dockerode.Exec): Promise<number | null> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const info = await engine(exec.inspect());
    if (!info.Running) return typeof info.ExitCode === 'number' ? info.ExitCode : null;
    await new Promise((r) => setTimeout(r, 50));
  }
  return null;
}
