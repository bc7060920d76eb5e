import { randomBytes } from 'node:crypto';
import type { Credentials } from './types.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
// The largest multiple of 62 below 256: bytes at or above it are dropped, so every character is equally likely.
const UNBIASED_BELOW = 248;

/** A crypto-strong random string of [A-Za-z0-9]: safe unquoted in URLs, shell and config files. */
export function randomSecret(length = 32): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < UNBIASED_BELOW && out.length < length) out += ALPHABET[byte % ALPHABET.length];
    }
  }
  return out;
}

/** Fresh credentials: the given login and database, a random password and a separate random admin password. */
export function freshCredentials(login: string, database: string): Credentials {
  return { login, password: randomSecret(), database, adminPassword: randomSecret() };
}

/**
 * The init keys a stack image's entrypoint reads from its init.env (see
 * entrypointPrelude): the only env a definition ever hands to a container.
 */
export function initKeys(c: Credentials): Record<string, string> {
  const env: Record<string, string> = { PAAS_SERVICE_LOGIN: c.login, PAAS_SERVICE_PASSWORD: c.password, PAAS_SERVICE_ADMIN_PASSWORD: c.adminPassword };
  if (c.database !== '') env.PAAS_SERVICE_DATABASE = c.database;
  return env;
}

/**
 * The init.env file body for `credentialsVia: 'file'`: one `KEY='value'` line
 * per containerEnv key. Values are checked to be [A-Za-z0-9_-], so single
 * quotes need no escaping and the entrypoint can source the file.
 */
export function renderInitEnv(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([key, value]) => {
      if (!/^[A-Z_][A-Z0-9_]*$/.test(key)) throw new Error(`init env key ${JSON.stringify(key)} is not a shell variable name`);
      if (!/^[A-Za-z0-9_-]*$/.test(value)) throw new Error(`init env value of ${key} has characters other than A-Z a-z 0-9 _ -`);
      return `${key}='${value}'\n`;
    })
    .join('');
}
