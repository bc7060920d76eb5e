import { PaasError } from '@paas/core';
import { runStaticSh } from '../assets/run-static.js';
import { CONTEXT_PAAS_DIR, CURRENT_DIR, PAAS_DIR } from '../layout.js';
import type { PlanContext, TypeBuilder } from '../build-plan.js';
import { isPlainRelativePath } from './paths.js';

/** The directory nginx serves: the approot, or config.static_root inside it. */
function staticRoot(ctx: PlanContext): string {
  const root = ctx.service.config['static_root'];
  if (root === undefined || root === '.' || root === '') return CURRENT_DIR;
  if (typeof root !== 'string' || !isPlainRelativePath(root)) {
    throw new PaasError('SPEC_INVALID', `${ctx.service.name}.config.static_root: expected a relative path inside the approot`, {
      path: `${ctx.service.name}.config.static_root`,
    });
  }
  return `${CURRENT_DIR}/${root.replace(/\/+$/, '')}`;
}

/**
 * nginx-light serving files on $PORT; nothing to install from the app. No
 * instanceEnv: nginx writes each access and error log line as it happens.
 */
export const staticSite: TypeBuilder = {
  runtimePackages: () => ['nginx-light'],
  pathDirs: () => [],
  dependencies: () => ({ manifests: [], run: [] }),
  files: (ctx) => ({ [`${CONTEXT_PAAS_DIR}/run-static.sh`]: runStaticSh(staticRoot(ctx)) }),
  defaultProcess: () => `${PAAS_DIR}/run-static.sh`,
};
