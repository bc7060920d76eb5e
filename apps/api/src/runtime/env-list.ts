import { PaasError } from '@paas/core';

/**
 * The engine's KEY=VALUE list. Values go byte for byte (no shell ever sees
 * them); only what the format cannot carry is refused. Messages name the key,
 * never the value.
 */
export function toEnvList(env: Record<string, string>): string[] {
  return Object.entries(env).map(([key, value]) => {
    if (key === '' || key.includes('=') || key.includes('\0')) {
      throw new PaasError('ENV_INVALID', `environment variable name ${JSON.stringify(key)} cannot be passed to a process`);
    }
    if (value.includes('\0')) {
      throw new PaasError('ENV_INVALID', `the value of ${key} contains a NUL byte, which a process environment cannot hold`);
    }
    return `${key}=${value}`;
  });
}
