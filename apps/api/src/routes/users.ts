import { PaasError, USER_NAME_RE, type CreatedUser, type UserInfo, type Whoami } from '@paas/core';
import type { FastifyInstance } from 'fastify';
import { requireAdmin, requireUser } from '../auth.js';
import type { Platform } from '../platform.js';
import { hashToken, newToken } from '../tokens.js';

export function registerUserRoutes(app: FastifyInstance, p: Platform): void {
  app.get('/v1/whoami', async (request): Promise<Whoami> => {
    const user = requireUser(request);
    return { name: user.name, admin: user.admin };
  });

  app.get('/v1/users', async (request): Promise<UserInfo[]> => {
    requireAdmin(request);
    const users = await p.store.listUsers();
    return users.map((u) => ({ name: u.name, admin: u.admin, createdAt: u.createdAt.toISOString() }));
  });

  app.post('/v1/users', async (request, reply): Promise<CreatedUser> => {
    const admin = requireAdmin(request);
    const body = request.body as { name?: unknown; admin?: unknown } | undefined;
    const name = body?.name;
    if (typeof name !== 'string' || !USER_NAME_RE.test(name) || name.includes('--')) {
      throw new PaasError('NAME_INVALID', `invalid user name ${JSON.stringify(name ?? '')}`, {
        hint: 'user names follow the app-name rule: lowercase letters, digits and single dashes',
      });
    }
    const token = newToken();
    const user = await p.store.createUser(name, body?.admin === true, hashToken(token));
    await p.store.addEvent({ app: null, actor: admin.name, action: 'user.create', detail: { user: name } });
    void reply.status(201);
    return { name: user.name, admin: user.admin, token };
  });
}
