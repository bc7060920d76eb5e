import { spawn } from 'node:child_process';

export interface WrkResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

/** Closed-loop max throughput: wrk -t2 -c50 with --latency, parsed. */
export async function runWrk(url: string, host: string, seconds: number, connections = 50, threads = 2): Promise<WrkResult> {
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn('wrk', [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--latency', '--timeout', '5s', '-H', `Host: ${host}`, url], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (b: Buffer) => (text += b.toString()));
    child.stderr.on('data', (b: Buffer) => (text += b.toString()));
    const kill = setTimeout(() => child.kill('SIGKILL'), (seconds + 15) * 1_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(kill);
      if (code === 0) resolve(text);
      else reject(new Error(`wrk exited with ${code}: ${text}`));
    });
  });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p50Ms = toMs(/\s50%\s+([\d.]+\w+)/.exec(out)?.[1]);
  const p99Ms = toMs(/\s99%\s+([\d.]+\w+)/.exec(out)?.[1]);
  const errorsLine = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = errorsLine ? errorsLine.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  if (!Number.isFinite(rps) || !Number.isFinite(p50Ms) || !Number.isFinite(p99Ms)) throw new Error(`could not parse wrk output:\n${out}`);
  return { rps, p50Ms, p99Ms, errors, non2xx };
}

function toMs(v: string | undefined): number {
  const m = v === undefined ? null : /^([\d.]+)(us|ms|s)$/.exec(v);
  if (m === null) return Number.NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1_000 : m[2] === 's' ? n * 1_000 : n;
}
