import { RUN_PHP_SH } from '../assets/run-php.js';
import { CONTEXT_PAAS_DIR, PAAS_DIR } from '../layout.js';
import type { TypeBuilder } from '../build-plan.js';
import { PHP_INSTANCE_ENV, composerAfterCode, composerDependencies, phpPackages, phpPathDirs } from './php-common.js';

/**
 * A web service: nginx-light in front of php-fpm serves the approot on $PORT,
 * index.php as front controller. Debian's php-fpm, php-cli and nginx-light;
 * extensions come as Debian packages through systempackages (php-mysql, …).
 */
export const php: TypeBuilder = {
  runtimePackages: phpPackages(['php-fpm', 'nginx-light']),
  pathDirs: phpPathDirs,
  dependencies: composerDependencies,
  afterCode: composerAfterCode,
  instanceEnv: PHP_INSTANCE_ENV,
  files: () => ({ [`${CONTEXT_PAAS_DIR}/run-php.sh`]: RUN_PHP_SH }),
  defaultProcess: () => `${PAAS_DIR}/run-php.sh`,
};
