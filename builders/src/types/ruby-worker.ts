import type { TypeBuilder } from '../build-plan.js';
import { workerNeedsProcess } from './worker.js';
import { RUBY_INSTANCE_ENV, gemDependencies, rubyPackages, rubyPathDirs } from './ruby-common.js';

/** Like ruby, without puma, a port or a default process: a worker says what it runs. */
export const rubyWorker: TypeBuilder = {
  runtimePackages: rubyPackages(['ruby']),
  pathDirs: rubyPathDirs,
  dependencies: gemDependencies,
  instanceEnv: RUBY_INSTANCE_ENV,
  files: () => ({}),
  defaultProcess: workerNeedsProcess('ruby-worker', 'ruby worker.rb'),
};
