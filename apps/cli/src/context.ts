import type { Readable } from 'node:stream';
import { PaasError } from '@paas/core';
import { ApiClient } from './api-client.js';
import type { Config } from './config.js';
import { resolveLogin } from './login-store.js';
import type { Output } from './output.js';

/** What every command gets: configuration, output, input, and a way to the API. */
export interface Context {
  config: Config;
  out: Output;
  stdin: Readable & { isTTY?: boolean | undefined };
  /** Current directory; commands resolve DIR and the link against it. */
  cwd: string;
}

/** A client for the configured API; `auth` (the default) requires a token. */
export async function apiClient(ctx: Context, opts: { auth?: boolean } = {}): Promise<ApiClient> {
  const { api, token } = await resolveLogin(ctx.config);
  if ((opts.auth ?? true) && token === undefined) {
    throw new PaasError('AUTH_REQUIRED', 'you are not logged in', {
      hint: 'run paas login --api URL --token TOKEN, or start a local platform with paas server start',
    });
  }
  return new ApiClient({ api, token });
}
