import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { DrainRequest, RouteTable } from '@paas/core';
import type { RouterErrorCode } from './errors.js';
import type { Logger } from './log.js';
import type { TableKeeper } from './table-keeper.js';
import { findDrainProblem, waitForDrain } from './drain.js';
import { routerErrors } from './errors.js';
import { findTableProblem, normalizeTable } from './route-table.js';

export interface ControlDeps {
  token: string;
  keeper: TableKeeper;
  /** Requests + WebSockets in flight to these ids, over every process. */
  inflight(ids: ReadonlySet<string>): number | Promise<number>;
  log: Logger;
}

const maxControlBody = 16 * 1024 * 1024;

/**
 * The control port (loopback only): PUT/GET /routes, POST /drain, GET /healthz.
 * Every request needs `Authorization: Bearer <token>`.
 */
export function createControlServer(deps: ControlDeps): Server {
  const expected = digest(`Bearer ${deps.token}`);
  return createServer({ headersTimeout: 10_000, requestTimeout: 60_000 }, (req, res) => {
    const given = req.headers.authorization;
    if (deps.token === '' || given === undefined || !timingSafeEqual(digest(given), expected)) {
      deps.log({ level: 'warn', code: 'AUTH_REQUIRED', status: 401, method: req.method, path: 'control:' + (req.url ?? '').split('?')[0] });
      req.resume();
      return send(res, 401, { code: 'AUTH_REQUIRED', message: routerErrors.AUTH_REQUIRED.message, hint: 'send Authorization: Bearer $PAAS_ROUTER_TOKEN' });
    }
    route(deps, req, res).catch((err: unknown) => {
      deps.log({ level: 'error', code: 'INTERNAL', status: 500, method: req.method, path: 'control:' + req.url, message: String(err) });
      if (!res.headersSent) fail(res, 'INTERNAL');
    });
  });
}

async function route(deps: ControlDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '').split('?')[0];
  const key = `${req.method} ${path}`;
  switch (key) {
    case 'GET /healthz':
      req.resume();
      return send(res, 200, { ok: true, version: deps.keeper.current.version, hosts: Object.keys(deps.keeper.current.routes).length });
    case 'GET /routes':
      req.resume();
      return send(res, 200, deps.keeper.current);
    case 'PUT /routes': {
      const body = await readJson(req, res);
      if (body === undefined) return;
      const problem = findTableProblem(body);
      if (problem !== null) return fail(res, 'TABLE_INVALID', problem.message, problem.path);
      const table = normalizeTable(body as RouteTable);
      let outcome;
      try {
        outcome = await deps.keeper.put(table);
      } catch (err) {
        deps.log({ level: 'error', code: 'STATE_WRITE_FAILED', status: 500, path: 'control:/routes', message: String(err) });
        return fail(res, 'STATE_WRITE_FAILED', 'the previous table is still served', undefined, 'check free space and permissions of $PAAS_HOME/router');
      }
      if (outcome.kind === 'stale') {
        return fail(res, 'TABLE_STALE', `version ${table.version} is older than ${outcome.current.version}`, 'version');
      }
      return send(res, 200, { version: table.version, hosts: Object.keys(table.routes).length });
    }
    case 'POST /drain': {
      const body = await readJson(req, res);
      if (body === undefined) return;
      const problem = findDrainProblem(body);
      if (problem !== null) return fail(res, 'BAD_REQUEST', problem.message, problem.path);
      const result = await waitForDrain(body as DrainRequest, (ids) => deps.inflight(ids));
      return send(res, 200, result);
    }
    default:
      req.resume();
      return fail(res, 'NOT_FOUND', `${req.method} ${path}`);
  }
}

/** The parsed JSON body, or undefined after answering 400/413. */
async function readJson(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxControlBody) {
      fail(res, 'BODY_TOO_LARGE', `over ${maxControlBody} bytes`);
      req.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    fail(res, 'BAD_REQUEST', 'the body is not JSON');
    return undefined;
  }
}

function fail(res: ServerResponse, code: RouterErrorCode, detail?: string, path?: string, hint?: string): void {
  const message = detail === undefined ? routerErrors[code].message : `${routerErrors[code].message}: ${detail}`;
  send(res, routerErrors[code].status, { code, message, ...(hint ? { hint } : {}), ...(path !== undefined ? { path } : {}) });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
