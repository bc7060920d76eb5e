import { PaasError, checkAppName } from '@paas/core';
import type { FastifyRequest } from 'fastify';
import type { AppRow, Store, UserRow } from './store/types.js';
import { hashToken } from './tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    user: UserRow | null;
  }
}

export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  return m?.[1];
}

export async function userForToken(store: Store, token: string | undefined): Promise<UserRow | null> {
  if (!token || token.length > 200) return null;
  return store.findUserByTokenHash(hashToken(token));
}

export function requireUser(request: FastifyRequest): UserRow {
  if (!request.user) throw new PaasError('AUTH_REQUIRED', 'missing or invalid token', { hint: 'run paas login, or paas server start on this machine' });
  return request.user;
}

export function requireAdmin(request: FastifyRequest): UserRow {
  const user = requireUser(request);
  if (!user.admin) throw new PaasError('FORBIDDEN', 'only an admin may do this');
  return user;
}

/**
 * The app, if the user may see it. Another user's app answers exactly as a
 * missing one (404), so its existence is never confirmed.
 */
export async function loadApp(store: Store, user: UserRow, name: string): Promise<AppRow> {
  checkAppName(name);
  const app = await store.getApp(name);
  if (!app || (!user.admin && app.owner !== user.name)) {
    throw new PaasError('APP_NOT_FOUND', `no app named ${name}`, { hint: 'paas apps lists your apps' });
  }
  return app;
}
