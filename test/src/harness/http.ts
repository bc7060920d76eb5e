import { Agent, request } from 'node:http';

export interface HttpResult {
  status: number;
  body: string;
}

/** GET through the router with a Host header, on loopback only. */
export function getVia(port: number, host: string, path = '/', agent?: Agent): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers: { host }, agent: agent ?? false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

export interface LoadReport {
  sent: number;
  ok: number;
  failures: { status: number | string; at: number }[];
  bodies: Map<string, number>;
}

/**
 * Steady traffic through the router: `concurrency` loops, each sending one
 * request every `intervalMs`, until stop() (or maxRequests / maxMs, so it
 * always ends by itself). Any non-2xx status or socket error is a failure.
 */
export function startLoad(port: number, host: string, opts: { concurrency?: number; intervalMs?: number; maxRequests?: number; maxMs?: number } = {}) {
  const { concurrency = 4, intervalMs = 20, maxRequests = 100_000, maxMs = 600_000 } = opts;
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const report: LoadReport = { sent: 0, ok: 0, failures: [], bodies: new Map() };
  const started = Date.now();
  let stopping = false;
  const loop = async (): Promise<void> => {
    while (!stopping && report.sent < maxRequests && Date.now() - started < maxMs) {
      report.sent++;
      try {
        const r = await getVia(port, host, '/', agent);
        if (r.status >= 200 && r.status < 300) {
          report.ok++;
          const key = r.body.trim();
          report.bodies.set(key, (report.bodies.get(key) ?? 0) + 1);
        } else report.failures.push({ status: r.status, at: Date.now() - started });
      } catch (err) {
        report.failures.push({ status: (err as Error).message, at: Date.now() - started });
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  return {
    report,
    async stop(): Promise<LoadReport> {
      stopping = true;
      await Promise.all(loops);
      agent.destroy();
      return report;
    },
  };
}
