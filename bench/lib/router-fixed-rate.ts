import { Agent, request } from 'node:http';
import { Agent as TlsAgent, request as tlsRequest } from 'node:https';

export interface FixedRateResult {
  /** Every latency (ms), for merging rounds. */
  latencies: Float64Array;
  sent: number;
  ok: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  /** How far the generator fell behind its schedule at worst (ms); large values make the run suspect. */
  maxLagMs: number;
}

/**
 * Open-loop load at a fixed rate (wrk2 is not in Debian): request i is sent
 * at start + i/rate whatever happened to earlier ones, over a keep-alive pool
 * big enough that a slow answer never delays the next send. Latency is
 * measured from each request's actual send to the end of its response.
 */
/**
 * A keep-alive agent for runFixedRate, to reuse over rounds: its connections
 * (TLS ones included) are opened during the warm-up, so that rounds measure
 * requests, not handshakes. Over TLS the certificate is checked for `host`.
 */
export function fixedRateAgent(host: string, tls?: { ca: string }): Agent | TlsAgent {
  return tls === undefined
    ? new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256 })
    : new TlsAgent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256, ca: tls.ca, servername: host });
}

export async function runFixedRate(port: number, host: string, rate: number, seconds: number, tls?: { ca: string }, shared?: Agent | TlsAgent): Promise<FixedRateResult> {
  const agent = shared ?? fixedRateAgent(host, tls);
  const send = tls === undefined ? request : tlsRequest;
  const total = rate * seconds;
  const latencies = new Float64Array(total);
  let sent = 0;
  let ok = 0;
  let failed = 0;
  let maxLagMs = 0;
  const start = performance.now();
  const interval = 1_000 / rate;
  await new Promise<void>((resolve) => {
    let finished = 0;
    const done = (): void => {
      if (++finished === total) resolve();
    };
    const fire = (i: number): void => {
      const t0 = performance.now();
      const req = send({ host: '127.0.0.1', port, path: '/', headers: { host }, agent, servername: host }, (res) => {
        res.resume();
        res.once('end', () => {
          latencies[i] = performance.now() - t0;
          if (res.statusCode === 200) ok += 1;
          else failed += 1;
          done();
        });
      });
      req.once('error', () => {
        latencies[i] = performance.now() - t0;
        failed += 1;
        done();
      });
      req.end();
    };
    const tick = (): void => {
      const now = performance.now();
      const due = Math.min(total, Math.floor((now - start) / interval) + 1);
      if (due > sent) maxLagMs = Math.max(maxLagMs, now - (start + sent * interval));
      while (sent < due) fire(sent++);
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  if (shared === undefined) agent.destroy();
  const sorted = Array.from(latencies).sort((a, b) => a - b);
  return { latencies, sent, ok, failed, p50Ms: quantile(sorted, 0.5), p99Ms: quantile(sorted, 0.99), maxLagMs };
}

/** Several rounds as one result. */
export function mergeRounds(rounds: FixedRateResult[]): FixedRateResult {
  const all: number[] = [];
  for (const r of rounds) for (const v of r.latencies) all.push(v);
  all.sort((a, b) => a - b);
  return {
    latencies: Float64Array.from(all),
    sent: rounds.reduce((n, r) => n + r.sent, 0),
    ok: rounds.reduce((n, r) => n + r.ok, 0),
    failed: rounds.reduce((n, r) => n + r.failed, 0),
    p50Ms: quantile(all, 0.5),
    p99Ms: quantile(all, 0.99),
    maxLagMs: Math.max(...rounds.map((r) => r.maxLagMs)),
  };
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
