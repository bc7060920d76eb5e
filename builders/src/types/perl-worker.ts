import { PaasError } from '@paas/core';
import type { TypeBuilder } from '../build-plan.js';
import { PERL_INSTANCE_ENV, cpanDependencies, perlPackages, perlPathDirs } from './perl-common.js';

/** Like perl, without starman, a port or a default process: a worker says what it runs. */
export const perlWorker: TypeBuilder = {
  runtimePackages: perlPackages(['perl']),
  pathDirs: perlPathDirs,
  dependencies: cpanDependencies,
  instanceEnv: PERL_INSTANCE_ENV,
  files: () => ({}),
  defaultProcess(ctx) {
    throw new PaasError('BUILD_FAILED', `${ctx.service.name}: a perl-worker needs process: or processes:`, {
      path: `${ctx.service.name}.process`,
      hint: 'e.g. process: perl worker.pl',
    });
  },
};
