import type { TypeBuilder } from '../build-plan.js';
import { workerNeedsProcess } from './worker.js';
import { PHP_INSTANCE_ENV, composerAfterCode, composerDependencies, phpPackages, phpPathDirs } from './php-common.js';

/** php's CLI, no web server and no default process: a worker says what it runs. */
export const phpWorker: TypeBuilder = {
  runtimePackages: phpPackages(['php-cli']),
  pathDirs: phpPathDirs,
  dependencies: composerDependencies,
  afterCode: composerAfterCode,
  instanceEnv: PHP_INSTANCE_ENV,
  files: () => ({}),
  defaultProcess: workerNeedsProcess('php-worker', 'php worker.php'),
};
