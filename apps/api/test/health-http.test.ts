import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { waitHealthy } from '../src/health/wait-healthy.js';

// Local node servers stand in for apps here: cases that need no container.
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return (server.address() as { port: number }).port;
}

function answering(status: number): Promise<number> {
  return listen(createServer((_req, res) => res.writeHead(status).end()));
}

describe('waitHealthy http', () => {
  it('counts a 404 as up by default, and follows isHealthyStatus when given', async () => {
    const port = await answering(404);
    const base = { kind: 'http' as const, host: '127.0.0.1', port, path: '/', intervalMs: 50, timeoutMs: 500 };
    expect(await waitHealthy(base)).toEqual({ healthy: true });
    expect(await waitHealthy({ ...base, isHealthyStatus: (s) => s === 200 })).toEqual({ healthy: false, reason: 'GET / answered 404' });
  });

  it('keeps a server that accepts but never answers within the deadline', async () => {
    const sockets: Socket[] = [];
    const port = await listen(createTcpServer((socket) => sockets.push(socket)));
    closers.push(async () => sockets.forEach((s) => s.destroy()));
    const started = Date.now();
    const result = await waitHealthy({ kind: 'http', host: '127.0.0.1', port, path: '/', intervalMs: 50, timeoutMs: 800, requestTimeoutMs: 300 });
    expect(result).toEqual({ healthy: false, reason: `no answer on port ${port} within 0.8 s; is it listening on 0.0.0.0:$PORT?` });
    expect(Date.now() - started).toBeLessThan(1300);
  });

  it('stops at once when isAlive says the instance is gone', async () => {
    const port = await answering(503);
    const started = Date.now();
    const result = await waitHealthy({
      kind: 'http', host: '127.0.0.1', port, path: '/', intervalMs: 50, timeoutMs: 10_000, name: 'www.3', isAlive: async () => false,
    });
    expect(result).toEqual({ healthy: false, reason: 'www.3 exited before becoming healthy' });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('ends with a cancellation when the signal aborts', async () => {
    const port = await answering(500);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    const result = await waitHealthy({ kind: 'http', host: '127.0.0.1', port, path: '/', intervalMs: 50, timeoutMs: 10_000, signal: controller.signal });
    expect(result).toEqual({ healthy: false, reason: 'the health check was cancelled' });
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('waitHealthy worker', () => {
  it('uses the caller exit reason when the worker dies', async () => {
    let calls = 0;
    const result = await waitHealthy({
      kind: 'worker', aliveForMs: 2000, timeoutMs: 5000, intervalMs: 20,
      isAlive: async () => ++calls < 3, exitReason: async () => 'jobs.1 exited with code 2 before becoming healthy',
    });
    expect(result).toEqual({ healthy: false, reason: 'jobs.1 exited with code 2 before becoming healthy' });
    expect(calls).toBe(3);
  });
});
