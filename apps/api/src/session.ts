import { createHash, timingSafeEqual } from 'node:crypto';
import { PaasError, type SessionInfo } from '@paas/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bearerToken, requireUser, userForToken } from './auth.js';
import type { Store, UserRow } from './store/types.js';

/**
 * The dashboard's sign-in: the token `paas users add` printed, kept in an
 * HttpOnly cookie the page's scripts cannot read. A cookie travels with every
 * request the browser makes, so a state-changing call made with it must also
 * carry the CSRF value (`x-paas-csrf`, or `csrf=` in a WebSocket's query,
 * since browsers send no custom headers on an upgrade), which only the page
 * that signed in was told. Bearer tokens (the CLI) are unaffected.
 */
export const SESSION_COOKIE = 'paas_session';
export const CSRF_HEADER = 'x-paas-csrf';
/** How long a browser keeps the sign-in: a week, then the token is asked again. */
export const SESSION_MAX_AGE_S = 7 * 24 * 3600;

/** The CSRF value of a session: derived from the token, so it survives API restarts and needs no store. */
export function csrfFor(token: string): string {
  return createHash('sha256').update('paas-csrf\0').update(token).digest('base64url');
}

/** The session token in a Cookie header, if any. */
export function sessionToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return value === '' ? undefined : value;
    }
  }
  return undefined;
}

/** Secure only over HTTPS: a Secure cookie set over plain HTTP on loopback would never be sent back. */
export function sessionCookie(token: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${token}; Path=/; Max-Age=${SESSION_MAX_AGE_S}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

function clearedCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameValue(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A request from another site's page: its Origin names another host than the one it was sent to. */
function crossOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== request.headers.host;
  } catch {
    return true;
  }
}

const csrfRefused = (): PaasError =>
  new PaasError('CSRF_INVALID', 'this call was made with the sign-in cookie but without the page\'s CSRF value', {
    hint: 'reload the dashboard; scripts and other sites must use a token (Authorization: Bearer) instead of the cookie',
  });

/**
 * Who is asking: a Bearer token, else the session cookie. A cookie-signed
 * call that changes state (any method but GET/HEAD/OPTIONS, and any
 * WebSocket, since `paas run` runs commands) needs the CSRF value and,
 * when the browser names an Origin, the API's own.
 */
export async function authenticate(store: Store, request: FastifyRequest): Promise<UserRow | null> {
  if (request.headers.authorization !== undefined) return userForToken(store, bearerToken(request.headers.authorization));
  const token = sessionToken(request.headers.cookie);
  if (token === undefined) return null;
  // Signing in again with another token must not need the old session's value.
  if (request.method === 'POST' && request.url.split('?')[0] === '/v1/session') return null;
  const user = await userForToken(store, token);
  if (!user) return null;
  const upgrade = request.headers.upgrade?.toLowerCase() === 'websocket';
  if (SAFE_METHODS.has(request.method) && !upgrade) return user;
  const query = request.query as Record<string, unknown>;
  const given = upgrade ? query.csrf : request.headers[CSRF_HEADER];
  if (typeof given !== 'string' || !sameValue(given, csrfFor(token)) || crossOrigin(request)) throw csrfRefused();
  return user;
}

function isSecure(request: FastifyRequest): boolean {
  return request.protocol === 'https';
}

/** POST/GET/DELETE /v1/session: sign in with a token, ask who is signed in (and the CSRF value), sign out. */
export function registerSessionRoutes(app: FastifyInstance, store: Store): void {
  app.post('/v1/session', async (request, reply): Promise<SessionInfo> => {
    if (crossOrigin(request)) throw csrfRefused();
    const token = (request.body as { token?: unknown } | undefined)?.token;
    const user = typeof token === 'string' ? await userForToken(store, token.trim()) : null;
    if (!user || typeof token !== 'string') {
      throw new PaasError('AUTH_REQUIRED', 'that token is not valid', { hint: 'use the token paas users add printed, or PAAS_HOME/admin.token for the admin' });
    }
    void reply.header('set-cookie', sessionCookie(token.trim(), isSecure(request)));
    void reply.header('cache-control', 'no-store');
    return { name: user.name, admin: user.admin, csrf: csrfFor(token.trim()) };
  });

  app.get('/v1/session', async (request, reply): Promise<SessionInfo> => {
    const user = requireUser(request);
    const token = sessionToken(request.headers.cookie);
    if (token === undefined || request.headers.authorization !== undefined) {
      throw new PaasError('AUTH_REQUIRED', 'no dashboard session', { hint: 'sign in with your token' });
    }
    void reply.header('cache-control', 'no-store');
    return { name: user.name, admin: user.admin, csrf: csrfFor(token) };
  });

  app.delete('/v1/session', async (request, reply) => {
    // The CSRF check ran in authenticate; an expired session may sign out too.
    void reply.header('set-cookie', clearedCookie(isSecure(request)));
    void reply.status(204).send();
  });
}
