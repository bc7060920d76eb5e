import { HOME_DIR } from '../layout.js';
import { execForm } from '../shell.js';
import type { DependencyStep, PlanContext } from '../build-plan.js';

/**
 * cpanm installs into a local::lib in the app's home; modules that Debian's
 * lib*-perl packages already provide are found there and not fetched.
 */
export const PERL_LOCAL_LIB = `${HOME_DIR}/perl5`;
export const PERL_INSTANCE_ENV: Record<string, string> = { PERL5LIB: `${PERL_LOCAL_LIB}/lib/perl5` };

// --local-lib (not -contained, which reinstalls what Debian has) and --skip-satisfied:
// a module already there from a lib*-perl package is not looked up on CPAN at all.
const CPANM = ['cpanm', '--notest', '--skip-satisfied', '--local-lib', PERL_LOCAL_LIB];
// cpanm keeps every build and log under ~/.cpanm: dead weight in the layer.
const CPANM_WORK = `${HOME_DIR}/.cpanm`;

function needsCpanm(ctx: PlanContext): boolean {
  return ctx.hasInApproot('cpanfile') || ctx.service.requirements.length > 0;
}

/** perl (and starman for the web type); cpanminus and make only when there is something to install. */
export function perlPackages(base: string[]): (ctx: PlanContext) => string[] {
  return (ctx) => (needsCpanm(ctx) ? [...base, 'cpanminus', 'make', 'ca-certificates'] : base);
}

export function perlPathDirs(): string[] {
  return [`${PERL_LOCAL_LIB}/bin`];
}

/**
 * Through sh, so that a failure shows the end of cpanm's build log (it only
 * names the file) and the work directory leaves the layer; the installer's
 * arguments stay arguments ("$@"), never part of the shell text.
 */
function cpanmRun(args: string[]): string {
  const script = `"$@"; status=$?; if [ $status -ne 0 ] && [ -f ${CPANM_WORK}/build.log ]; then tail -n 15 ${CPANM_WORK}/build.log >&2; fi; rm -rf ${CPANM_WORK}; exit $status`;
  return `RUN ${execForm(['/bin/sh', '-c', script, 'cpanm', ...CPANM, ...args])}`;
}

export function cpanDependencies(ctx: PlanContext): DependencyStep {
  const step: DependencyStep = { manifests: [], run: [] };
  if (ctx.hasInApproot('cpanfile')) {
    step.manifests.push('cpanfile', ...(ctx.hasInApproot('cpanfile.snapshot') ? ['cpanfile.snapshot'] : []));
    step.run.push(cpanmRun(['--installdeps', '.']));
  }
  // `--` so a requirement is never read as a cpanm option.
  if (ctx.service.requirements.length > 0) {
    step.run.push(cpanmRun(['--', ...ctx.service.requirements]));
  }
  return step;
}
