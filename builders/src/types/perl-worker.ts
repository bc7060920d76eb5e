import type { TypeBuilder } from '../build-plan.js';
import { workerNeedsProcess } from './worker.js';
import { PERL_INSTANCE_ENV, cpanDependencies, perlPackages, perlPathDirs } from './perl-common.js';

/** Like perl, without starman, a port or a default process: a worker says what it runs. */
export const perlWorker: TypeBuilder = {
  runtimePackages: perlPackages(['perl']),
  pathDirs: perlPathDirs,
  dependencies: cpanDependencies,
  instanceEnv: PERL_INSTANCE_ENV,
  files: () => ({}),
  defaultProcess: workerNeedsProcess('perl-worker', 'perl worker.pl'),
};
