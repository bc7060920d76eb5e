import { PaasError } from '@paas/core';
import type { BuildFailure } from './build-stream.js';
import { dependencyStepHint } from './types/registry-hints.js';

const NO_SPACE_RE = /no space left on device/i;
const ENGINE_DOWN_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);

const MISSING_PACKAGE_RE = /^E: Unable to locate package (\S+)$/;
// npm, pip and curl when a TLS-inspecting proxy (or a private registry) shows a certificate the build does not trust.
const TLS_RE = /UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|CERTIFICATE_VERIFY_FAILED|unable to get local issuer certificate|self[- ]signed certificate in certificate chain|SSL certificate problem/i;

/** A Debian package apt could not find, with the spec path that asked for it. */
export interface MissingPackage {
  name: string;
  path: string;
}

/** The packages of a failed apt step that the mirror does not have, named by their spec path. */
export function missingPackages(failure: BuildFailure): MissingPackage[] {
  const packages = failure.info?.packages;
  if (packages === undefined) return [];
  const missing: MissingPackage[] = [];
  for (const line of failure.lastLines) {
    const name = MISSING_PACKAGE_RE.exec(line.trim())?.[1];
    const wanted = packages.find((p) => p.name === name);
    if (wanted !== undefined && !missing.includes(wanted)) missing.push(wanted);
  }
  return missing;
}

/** A build that failed because the mirror has no package of a name the spec (or the type) asked for. */
export class MissingPackageError extends PaasError {
  constructor(readonly missing: readonly MissingPackage[], message: string, opts: { hint: string; path: string | undefined }) {
    super('BUILD_FAILED', message, opts.path === undefined ? { hint: opts.hint } : { hint: opts.hint, path: opts.path });
  }
}

/**
 * `www.systempackages[1]: no Debian package "imagemagik" (did you mean imagemagick?)`:
 * `suggest` gives the nearest name the mirror has, when one is near.
 */
export function missingPackageError(missing: readonly MissingPackage[], suggest: (name: string) => string | undefined = () => undefined): MissingPackageError {
  const lines = missing.map(({ name, path }) => {
    const near = suggest(name);
    return `${path}: no Debian package ${JSON.stringify(name)}${near === undefined ? '' : ` (did you mean ${near}?)`}`;
  });
  return new MissingPackageError(missing, lines.join('\n'), {
    path: missing[0]?.path,
    hint: missing.every((m) => m.path.endsWith('.type'))
      ? 'the type needs a package this Debian mirror does not have: check the mirror the build host uses'
      : 'correct the name in paas.yml (packages.debian.org lists Debian 12 "bookworm" packages) and push again',
  });
}

/** A failed step, with the tool's own last lines, so the push output says why. */
export function buildFailedError(failure: BuildFailure): PaasError {
  const where = failure.step ?? 'the build';
  const missing = missingPackages(failure);
  if (missing.length > 0) return missingPackageError(missing);
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
  // A dependency install is named by its manifest: that is the file to fix.
  const manifests = failure.info?.kind === 'dependencies' ? failure.info.manifests ?? [] : [];
  const what = manifests.length > 0 ? `installing the dependencies from ${manifests.join(', ')}` : where;
  if (failure.lastLines.some((l) => TLS_RE.test(l))) {
    return new PaasError('BUILD_FAILED', `${what} failed: ${reason}: a TLS certificate was not trusted${tail}`, {
      hint: 'the build does not trust the certificate it was shown (a TLS-inspecting proxy?): set PAAS_BUILD_CA_FILE on the API to a PEM bundle with that CA (the default is the host\'s /etc/ssl/certs/ca-certificates.crt) and push again',
    });
  }
  if (manifests.length > 0) {
    return new PaasError('BUILD_FAILED', `${what} failed: ${reason}${tail}`, {
      hint: `the lines above are the installer's own output; fix ${manifests[0]} and push again`,
    });
  }
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
