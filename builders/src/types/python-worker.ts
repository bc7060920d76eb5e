import type { TypeBuilder } from '../build-plan.js';
import { workerNeedsProcess } from './worker.js';
import { PYTHON_UNBUFFERED, pipDependencies, pythonPackages, pythonPathDirs } from './python-common.js';

/** Like python, without a port and without a default process: a worker says what it runs. */
export const pythonWorker: TypeBuilder = {
  runtimePackages: pythonPackages,
  pathDirs: pythonPathDirs,
  dependencies: pipDependencies,
  instanceEnv: PYTHON_UNBUFFERED,
  files: () => ({}),
  defaultProcess: workerNeedsProcess('python-worker', 'python3 worker.py'),
};
