import { PaasError } from '@paas/core';
import type { TypeBuilder } from '../build-plan.js';
import { RUBY_INSTANCE_ENV, gemDependencies, rubyPackages, rubyPathDirs } from './ruby-common.js';

/** Like ruby, without puma, a port or a default process: a worker says what it runs. */
export const rubyWorker: TypeBuilder = {
  runtimePackages: rubyPackages(['ruby']),
  pathDirs: rubyPathDirs,
  dependencies: gemDependencies,
  instanceEnv: RUBY_INSTANCE_ENV,
  files: () => ({}),
  defaultProcess(ctx) {
    throw new PaasError('BUILD_FAILED', `${ctx.service.name}: a ruby-worker needs process: or processes:`, {
      path: `${ctx.service.name}.process`,
      hint: 'e.g. process: ruby worker.rb',
    });
  },
};
