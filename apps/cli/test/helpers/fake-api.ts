import type http from 'node:http';
import { parseSpec, type AppDetail } from '@paas/core';
import { readBody, sendJson, serve } from './http-server.js';

export interface Seen {
  method: string;
  url: string;
}

/** An app as GET /v1/apps/:app answers it, with the spec parsed from `yaml` (null: never pushed). */
export function appDetail(name: string, yaml: string | null): AppDetail {
  return {
    name,
    owner: 'alice',
    createdAt: '2025-01-02T03:04:05.000Z',
    url: `http://${name}.localhost:8080`,
    release: yaml === null ? null : 'v3',
    spec: yaml === null ? null : parseSpec(yaml, { file: 'paas.yml' }).spec,
    scale: {},
    instances: [],
    releases: [],
    builds: [],
  };
}

/**
 * A stand-in for the API that knows `apps` (token "good"), answers missing
 * ones as the API does (404 APP_NOT_FOUND) and hands pushes to `push`.
 */
export async function fakeApi(
  apps: AppDetail[],
  push: (req: http.IncomingMessage, res: http.ServerResponse) => unknown = (_req, res) => sendJson(res, 500, { code: 'INTERNAL', message: 'no push here' }),
): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const { url } = await serve(async (req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '' });
    if (req.headers.authorization !== 'Bearer good') return sendJson(res, 401, { code: 'AUTH_REQUIRED', message: 'bad token' });
    if (req.method === 'POST' && /^\/v1\/apps\/[^/]+\/pushes(\?|$)/.test(req.url ?? '')) return push(req, res);
    await readBody(req);
    const m = /^\/v1\/apps\/([^/?]+)$/.exec(req.url ?? '');
    const app = apps.find((a) => a.name === decodeURIComponent(m?.[1] ?? ''));
    if (req.method === 'GET' && app !== undefined) return sendJson(res, 200, app);
    return sendJson(res, 404, { code: 'APP_NOT_FOUND', message: `no app named ${m?.[1] ?? req.url}` });
  });
  return { url, seen };
}

export function cliEnv(home: string, api: string): Record<string, string> {
  return { PAAS_HOME: home, PAAS_API_URL: api, PAAS_TOKEN: 'good' };
}
