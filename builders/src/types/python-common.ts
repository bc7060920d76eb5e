import { HOME_DIR } from '../layout.js';
import { execForm } from '../shell.js';
import type { DependencyStep, PlanContext } from '../build-plan.js';

// --user keeps packages in the app's home; --break-system-packages is Debian 12's
// opt-in for pip next to apt's Python (PEP 668); no cache, so no dead weight in the layer.
const PIP = ['pip3', 'install', '--user', '--break-system-packages', '--no-cache-dir', '--no-warn-script-location'];

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

export function pipDependencies(ctx: PlanContext): DependencyStep {
  const step: DependencyStep = { manifests: [], run: [] };
  if (hasRequirementsTxt(ctx)) {
    step.manifests.push('requirements.txt');
    step.run.push(`RUN ${execForm([...PIP, '-r', 'requirements.txt'])}`);
  }
  // `--` so a requirement can never be read as a pip option.
  if (ctx.service.requirements.length > 0) {
    step.run.push(`RUN ${execForm([...PIP, '--', ...ctx.service.requirements])}`);
  }
  return step;
}
