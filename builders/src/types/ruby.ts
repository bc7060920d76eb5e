import { PaasError } from '@paas/core';
import { RUN_RUBY_SH } from '../assets/run-ruby.js';
import { CONTEXT_PAAS_DIR, PAAS_DIR } from '../layout.js';
import type { TypeBuilder } from '../build-plan.js';
import { RUBY_INSTANCE_ENV, gemDependencies, rubyPackages, rubyPathDirs } from './ruby-common.js';

/**
 * A Rack web service: with a config.ru and no process, Debian's puma serves
 * it on $PORT (threaded, so one instance answers several requests at once;
 * see docs/builders.md for why puma).
 */
export const ruby: TypeBuilder = {
  runtimePackages: rubyPackages(['ruby', 'puma', 'ruby-rack']),
  pathDirs: rubyPathDirs,
  dependencies: gemDependencies,
  instanceEnv: RUBY_INSTANCE_ENV,
  files: (ctx): Record<string, string> => (ctx.hasInApproot('config.ru') ? { [`${CONTEXT_PAAS_DIR}/run-ruby.sh`]: RUN_RUBY_SH } : {}),
  defaultProcess(ctx) {
    if (ctx.hasInApproot('config.ru')) return `${PAAS_DIR}/run-ruby.sh`;
    throw new PaasError('BUILD_FAILED', `${ctx.service.name}: nothing to run: no process, no processes and no config.ru in the approot (${ctx.service.approot})`, {
      path: `${ctx.service.name}.process`,
      hint: 'add a Rack config.ru, or set process: (e.g. ruby app.rb -p $PORT -o 0.0.0.0)',
    });
  },
};
