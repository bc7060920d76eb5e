import { get } from 'node:http';

export type ProbeResult = { status: number } | { error: string };

/** One GET with its own deadline; never throws. The body is drained and ignored. */
export function probeHttp(host: string, port: number, path: string, timeoutMs: number, signal?: AbortSignal): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const req = get(
      { host, port, path, agent: false, timeout: timeoutMs, headers: { 'user-agent': 'paas-health-check' }, ...(signal ? { signal } : {}) },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0 });
      },
    );
    // `timeout` only reports idleness; destroying turns it into an error below.
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => resolve({ error: err.message }));
  });
}
