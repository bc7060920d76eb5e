import { PaasError } from '@paas/core';
import type { BuildFailure } from './build-stream.js';
import { dependencyStepHint } from './types/registry-hints.js';

const NO_SPACE_RE = /no space left on device/i;
const ENGINE_DOWN_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);

/** A failed step, with the tool's own last lines, so the push output says why. */
export function buildFailedError(failure: BuildFailure): PaasError {
  const where = failure.step ?? 'the build';
  if (NO_SPACE_RE.test(failure.message) || failure.lastLines.some((l) => NO_SPACE_RE.test(l))) {
    return new PaasError('DISK_FULL', `no space left on the device during ${where}`, {
      hint: 'free space on the Docker host (docker system prune removes unused images and build cache)',
    });
  }
  const exit = /returned a non-zero code: (\d+)/.exec(failure.message);
  const tail = failure.lastLines.length > 0 ? `\n${failure.lastLines.join('\n')}` : '';
  // 137 is 128 + SIGKILL: with no swap allowed, that is the build's memory limit.
  if (exit?.[1] === '137') {
    return new PaasError('BUILD_FAILED', `${where} was killed (exit code 137), most likely for going over the build's memory limit${tail}`, {
      hint: 'make the step use less memory, or ask the operator to raise PAAS_BUILD_MEMORY_MB',
    });
  }
  const reason = exit ? `exit code ${exit[1]}` : failure.message;
  return new PaasError('BUILD_FAILED', `${where} failed: ${reason}${tail}`, {
    hint: dependencyStepHint(failure.step) ?? 'the lines above are the failing command\'s own output; fix paas.yml or the code and push again',
  });
}

interface EngineError {
  statusCode?: number;
  code?: string;
  json?: { message?: string } | null;
  message?: string;
}

/** An error from the engine call itself: the engine is away, full, or refused the build. */
export function engineCallError(err: unknown): unknown {
  if (err instanceof PaasError) return err;
  const e = (err ?? {}) as EngineError;
  if (e.statusCode === undefined) {
    if (typeof e.code === 'string' && ENGINE_DOWN_CODES.has(e.code)) {
      return new PaasError('ENGINE_UNAVAILABLE', `the Docker Engine does not answer (${e.code})`, {
        hint: 'start the engine (infra/install.sh does) or point DOCKER_HOST at one',
        cause: err,
      });
    }
    return err;
  }
  const message = e.json?.message ?? e.message ?? String(err);
  return buildFailedError({ step: undefined, message, lastLines: [] });
}
