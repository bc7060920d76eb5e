import { PaasError } from '@paas/core';

/** Socket-level failures: the engine is not there, as opposed to an engine answer. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

export function statusCodeOf(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** Turns "cannot talk to the engine" into ENGINE_UNAVAILABLE; other errors pass through unchanged. */
export function toEngineError(err: unknown): unknown {
  if (err instanceof PaasError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return err;
  if (code === 'EACCES') {
    return new PaasError('ENGINE_UNAVAILABLE', 'permission denied on the Docker Engine socket', {
      hint: 'run paas as a user in the docker group, or as root',
      cause: err,
    });
  }
  if (UNREACHABLE.has(code)) {
    return new PaasError('ENGINE_UNAVAILABLE', `the Docker Engine does not answer (${code})`, {
      hint: 'start it (systemctl start docker, or infra/install.sh) or point DOCKER_HOST at it',
      cause: err,
    });
  }
  return err;
}

/** Awaits an engine call, mapping connection failures. */
export async function engine<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    throw toEngineError(err);
  }
}

/** Awaits an engine call whose 404 means "already gone"; returns undefined then. */
export async function engineUnless404<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (err) {
    if (statusCodeOf(err) === 404) return undefined;
    throw toEngineError(err);
  }
}
