import { PaasError } from '@paas/core';
import type { TypeBuilder } from '../build-plan.js';
import { PERL_INSTANCE_ENV, cpanDependencies, perlPackages, perlPathDirs } from './perl-common.js';

/**
 * A PSGI web service: with an app.psgi and no process, Debian's starman (a
 * preforking PSGI server on Plack) serves it on $PORT.
 */
export const perl: TypeBuilder = {
  runtimePackages: perlPackages(['perl', 'starman']),
  pathDirs: perlPathDirs,
  dependencies: cpanDependencies,
  instanceEnv: PERL_INSTANCE_ENV,
  files: () => ({}),
  defaultProcess(ctx) {
    if (ctx.hasInApproot('app.psgi')) return `starman --listen 0.0.0.0:$PORT --workers 4 app.psgi`;
    throw new PaasError('BUILD_FAILED', `${ctx.service.name}: nothing to run: no process, no processes and no app.psgi in the approot (${ctx.service.approot})`, {
      path: `${ctx.service.name}.process`,
      hint: 'add a PSGI app.psgi, or set process: (e.g. plackup --listen 0.0.0.0:$PORT myapp.psgi)',
    });
  },
};
