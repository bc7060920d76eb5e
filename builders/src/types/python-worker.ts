import { PaasError } from '@paas/core';
import type { TypeBuilder } from '../build-plan.js';
import { PYTHON_UNBUFFERED, pipDependencies, pythonPackages, pythonPathDirs } from './python-common.js';

/** Like python, without a port and without a default process: a worker says what it runs. */
export const pythonWorker: TypeBuilder = {
  runtimePackages: pythonPackages,
  pathDirs: pythonPathDirs,
  dependencies: pipDependencies,
  instanceEnv: PYTHON_UNBUFFERED,
  files: () => ({}),
  defaultProcess(ctx) {
    throw new PaasError('BUILD_FAILED', `${ctx.service.name}: a python-worker needs process: or processes:`, {
      path: `${ctx.service.name}.process`,
      hint: 'e.g. process: python3 worker.py',
    });
  },
};
