import { PYTHON_DEPS_PY } from '../assets/python-deps.js';
import { APP_USER, HOME_DIR } from '../layout.js';
import { execForm } from '../shell.js';
import type { DependencyStep, PlanContext } from '../build-plan.js';

/** Where the resolver sits in the context, and in the image (root-owned, outside the app's home). */
const CONTEXT_RESOLVER = 'build/python-deps.py';
const IMAGE_RESOLVER = '/usr/local/lib/paas/python-deps.py';

function hasRequirementsTxt(ctx: PlanContext): boolean {
  return ctx.hasInApproot('requirements.txt');
}

/** Python buffers stdout when it is not a terminal: a print would reach `paas logs` only a few KiB later. */
export const PYTHON_UNBUFFERED: Record<string, string> = { PYTHONUNBUFFERED: '1' };

export function pythonPackages(ctx: PlanContext): string[] {
  const needsPip = hasRequirementsTxt(ctx) || ctx.service.requirements.length > 0;
  return needsPip ? ['python3', 'python3-pip'] : ['python3'];
}

export function pythonPathDirs(): string[] {
  return [`${HOME_DIR}/.local/bin`];
}

/**
 * Two steps over the same requirements. As root, the resolver probes the
 * package index; when none answers it installs the Debian packages that
 * dh-python's PyPI map names (or fails naming every requirement without
 * one). Then, as the app, pip installs into ~/.local when the index answered.
 * Both sit above the code COPY, so a code-only push reuses them.
 */
export function pipDependencies(ctx: PlanContext): DependencyStep {
  const fromFile = hasRequirementsTxt(ctx);
  const extra = ctx.service.requirements;
  if (!fromFile && extra.length === 0) return { manifests: [], run: [] };
  // `--` so a requirement can never be read as an option.
  const args = [...(fromFile ? ['-r', 'requirements.txt'] : []), ...(extra.length > 0 ? ['--', ...extra] : [])];
  return {
    manifests: fromFile ? ['requirements.txt'] : [],
    files: { [CONTEXT_RESOLVER]: PYTHON_DEPS_PY },
    run: [
      'USER root',
      `COPY ${CONTEXT_RESOLVER} ${IMAGE_RESOLVER}`,
      `RUN ${execForm(['python3', IMAGE_RESOLVER, 'resolve', ...(ctx.strict ? ['--strict'] : []), ...args])}`,
      `USER ${APP_USER}`,
      `RUN ${execForm(['python3', IMAGE_RESOLVER, 'pip', ...args])}`,
    ],
  };
}
