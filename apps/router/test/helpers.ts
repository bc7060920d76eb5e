import { createServer, request, type IncomingMessage, type Server, type ServerResponse, Agent } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type AddressInfo } from 'node:net';
import type { RouteTable } from '@paas/core';
import { routerConfig, startRouter, type LogEntry, type RouterConfig, type RouterHandle } from '../src/index.js';

export const token = 'test-token-0123456789abcdef';

/** Everything a test started, closed in reverse order by cleanup(). */
export class Resources {
  #closers: (() => Promise<void> | void)[] = [];

  add(close: () => Promise<void> | void): void {
    this.#closers.push(close);
  }

  async cleanup(): Promise<void> {
    const closers = this.#closers.reverse();
    this.#closers = [];
    for (const c of closers) await c();
  }
}

export interface Backend {
  name: string;
  port: number;
  server: Server;
  /** Requests received, as "METHOD path". */
  seen: string[];
  lastHeaders: IncomingMessage['headers'] | null;
  close(): Promise<void>;
}

export type BackendHandler = (req: IncomingMessage, res: ServerResponse, b: Backend) => void;

const answerWithName: BackendHandler = (req, res, b) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/plain', 'x-backend': b.name });
    res.end(`${b.name} ${req.method} ${req.url}`);
  });
};

/** A real node:http server on 127.0.0.1:0. */
export async function startBackend(res: Resources, name: string, handler: BackendHandler = answerWithName): Promise<Backend> {
  const server = createServer();
  const backend: Backend = {
    name,
    port: 0,
    server,
    seen: [],
    lastHeaders: null,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  server.on('request', (req: IncomingMessage, r: ServerResponse) => {
    backend.seen.push(`${req.method} ${req.url}`);
    backend.lastHeaders = req.headers;
    handler(req, r, backend);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  backend.port = (server.address() as AddressInfo).port;
  res.add(() => (server.listening ? backend.close() : undefined));
  return backend;
}

/** A port nothing listens on (bound then released). */
export async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export async function tempDir(res: Resources): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'paas-router-test-'));
  res.add(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface TestRouter {
  handle: RouterHandle;
  logs: LogEntry[];
  stateFile: string;
  /** Request bodies over the buffer size are spooled here (a fresh directory per router). */
  spoolDir: string;
}

export async function startTestRouter(res: Resources, overrides: Partial<RouterConfig> & { stateFile?: string } = {}): Promise<TestRouter> {
  const logs: LogEntry[] = [];
  const stateFile = overrides.stateFile ?? join(await tempDir(res), 'router', 'routes.json');
  const spoolDir = overrides.spoolDir ?? join(await tempDir(res), 'spool');
  const handle = await startRouter(
    routerConfig({
      host: '127.0.0.1',
      port: 0,
      controlPort: 0,
      token,
      stateFile,
      tlsPort: 0,
      headersTimeoutMs: 2_000,
      requestTimeoutMs: 10_000,
      upstreamConnectTimeoutMs: 500,
      upstreamHeadersTimeoutMs: 5_000,
      ejectCooldownMs: 200,
      shutdownGraceMs: 200,
      log: (e) => logs.push(e),
      ...overrides,
      spoolDir,
    }),
  );
  res.add(() => handle.close());
  return { handle, logs, stateFile, spoolDir };
}

export function table(version: number, routes: Record<string, { app?: string; targets: { id: string; port: number }[] }>): RouteTable {
  const out: RouteTable = { version, routes: {} };
  for (const [host, r] of Object.entries(routes)) {
    out.routes[host] = { app: r.app ?? host.split('.')[0]!, service: 'www', targets: r.targets.map((t) => ({ id: t.id, host: '127.0.0.1', port: t.port })) };
  }
  return out;
}

export interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

const noKeepAlive = new Agent({ keepAlive: false });

/** One HTTP request with an explicit Host header. */
export function send(port: number, opts: { host?: string; method?: string; path?: string; body?: string | Buffer; headers?: Record<string, string>; agent?: Agent }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: opts.method ?? 'GET',
        path: opts.path ?? '/',
        headers: { ...(opts.host !== undefined ? { host: opts.host } : {}), ...opts.headers },
        agent: opts.agent ?? noKeepAlive,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A control-port call with the token (or the given authorization). */
export async function control(port: number, method: string, path: string, body?: unknown, authorization: string | null = `Bearer ${token}`): Promise<{ status: number; json: any }> {
  const r = await send(port, {
    method,
    path,
    host: '127.0.0.1',
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...(authorization !== null ? { authorization } : {}) },
  });
  return { status: r.status, json: r.body === '' ? null : JSON.parse(r.body) };
}

export async function putTable(router: TestRouter, t: RouteTable): Promise<void> {
  const r = await control(router.handle.controlPort, 'PUT', '/routes', t);
  if (r.status !== 200) throw new Error(`PUT /routes → ${r.status} ${JSON.stringify(r.json)}`);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Writes raw bytes and collects everything the server sends until it closes. */
export function rawExchange(port: number, text: string, waitMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${waitMs} ms; got ${Buffer.concat(chunks).toString()}`));
    }, waitMs);
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString());
    });
    socket.write(text);
  });
}
