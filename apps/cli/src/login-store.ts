import { join } from 'node:path';
import { PaasError } from '@paas/core';
import type { Config } from './config.js';
import { readJson, writeFileAtomic } from './files.js';

/** `$PAAS_HOME/cli.json`, written by `paas login` and `paas server start`. */
export interface SavedLogin {
  api: string;
  token: string;
}

export function loginFile(config: Config): string {
  return join(config.home, 'cli.json');
}

export async function readLogin(config: Config): Promise<SavedLogin | undefined> {
  const file = loginFile(config);
  const data = await readJson(file);
  if (data === undefined) return undefined;
  const { api, token } = data as Partial<SavedLogin>;
  if (typeof api !== 'string' || typeof token !== 'string') {
    throw new PaasError('AUTH_REQUIRED', `${file} is not a saved login`, { hint: 'run paas login --api URL --token TOKEN again' });
  }
  return { api, token };
}

/** The token is a credential: the file is readable by its owner only. */
export async function saveLogin(config: Config, login: SavedLogin): Promise<void> {
  await writeFileAtomic(loginFile(config), `${JSON.stringify(login, null, 2)}\n`, 0o600);
}

/** Where to talk to and as whom: PAAS_API_URL / PAAS_TOKEN win over the saved login. */
export async function resolveLogin(config: Config): Promise<{ api: string; token: string | undefined }> {
  const saved = await readLogin(config);
  const api = config.apiUrl ?? saved?.api ?? `http://${localHost(config.apiHost)}:${config.apiPort}`;
  return { api, token: config.token ?? saved?.token };
}

/** An API listening on every address is reached on loopback. */
export function localHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
