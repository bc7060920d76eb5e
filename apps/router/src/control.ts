import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AcmeChallenges, DrainRequest, RouteTable, TlsSet } from '@paas/core';
import type { RouterErrorCode } from './errors.js';
import type { Logger } from './log.js';
import type { TableKeeper, VersionKeeper } from './table-keeper.js';
import { findDrainProblem, waitForDrain } from './drain.js';
import { routerErrors } from './errors.js';
import { findTableProblem, normalizeTable } from './route-table.js';
import { findTlsProblem, normalizeTlsSet, summarizeTlsSet } from './tls-set.js';

export interface ControlDeps {
  token: string;
  keeper: TableKeeper;
  tlsKeeper: VersionKeeper<TlsSet>;
  /** The HTTPS port actually served (null: off or not bound), for /healthz. */
  tlsPort: number | null;
  /** Replaces the ACME HTTP-01 answers in every process. */
  setChallenges(challenges: Record<string, string>): void | Promise<void>;
  /** Requests + WebSockets in flight to these ids, over every process. */
  inflight(ids: ReadonlySet<string>): number | Promise<number>;
  log: Logger;
}

const maxControlBody = 16 * 1024 * 1024;

/**
 * The control port (loopback only): PUT/GET /routes, PUT/GET /tls,
 * PUT /acme-challenges, POST /drain, GET /healthz. Every request needs
 * `Authorization: Bearer <token>`. Keys go in (PUT /tls) and never come out.
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
      return send(res, 200, { ok: true, version: deps.keeper.current.version, hosts: Object.keys(deps.keeper.current.routes).length, tlsPort: deps.tlsPort, tlsVersion: deps.tlsKeeper.current.version });
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
    case 'GET /tls':
      req.resume();
      return send(res, 200, summarizeTlsSet(deps.tlsKeeper.current));
    case 'PUT /tls': {
      const body = await readJson(req, res);
      if (body === undefined) return;
      const problem = findTlsProblem(body);
      if (problem !== null) return fail(res, 'TLS_SET_INVALID', problem.message, problem.path);
      const set = normalizeTlsSet(body as TlsSet);
      let outcome;
      try {
        outcome = await deps.tlsKeeper.put(set);
      } catch (err) {
        deps.log({ level: 'error', code: 'STATE_WRITE_FAILED', status: 500, path: 'control:/tls', message: String(err) });
        return fail(res, 'STATE_WRITE_FAILED', 'the previous certificates are still served', undefined, 'check free space and permissions of $PAAS_HOME/router');
      }
      if (outcome.kind === 'stale') return fail(res, 'TLS_SET_STALE', `version ${set.version} is older than ${outcome.current.version}`, 'version');
      deps.log({ level: 'info', code: 'TLS_INSTALLED', message: `version ${set.version}, ${set.certificates.length} certificates` });
      return send(res, 200, { version: set.version, certificates: set.certificates.length });
    }
    case 'PUT /acme-challenges': {
      const body = await readJson(req, res);
      if (body === undefined) return;
      const problem = findChallengesProblem(body);
      if (problem !== null) return fail(res, 'BAD_REQUEST', problem.message, problem.path);
      const { challenges } = body as AcmeChallenges;
      await deps.setChallenges({ ...challenges });
      return send(res, 200, { challenges: Object.keys(challenges).length });
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

/** Tokens are base64url (RFC 8555 §8.3); key authorizations are `token.thumbprint`. */
function findChallengesProblem(value: unknown): { path: string; message: string } | null {
  const challenges = typeof value === 'object' && value !== null ? (value as { challenges?: unknown }).challenges : undefined;
  if (typeof challenges !== 'object' || challenges === null || Array.isArray(challenges)) return { path: 'challenges', message: 'must be an object of token → key authorization' };
  const entries = Object.entries(challenges);
  if (entries.length > 10_000) return { path: 'challenges', message: 'at most 10000' };
  for (const [token, answer] of entries) {
    if (!/^[A-Za-z0-9_-]{1,256}$/.test(token)) return { path: `challenges.${token.slice(0, 64)}`, message: 'a token is base64url' };
    if (typeof answer !== 'string' || !/^[A-Za-z0-9_.-]{1,1024}$/.test(answer)) return { path: `challenges.${token}`, message: 'must be a key authorization (base64url.base64url)' };
  }
  return null;
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
