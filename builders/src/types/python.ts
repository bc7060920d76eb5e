import { PaasError } from '@paas/core';
import { GUNICORN_CONF_PY, gunicornCommand } from '../assets/wsgi-server.js';
import { CONTEXT_PAAS_DIR, PAAS_DIR } from '../layout.js';
import type { PlanContext, TypeBuilder } from '../build-plan.js';
import { PYTHON_UNBUFFERED, pipDependencies, pythonPackages, pythonPathDirs } from './python-common.js';

/** With a wsgi.py and no process of its own, the service runs paas's default server. */
function servesWsgiByDefault(ctx: PlanContext): boolean {
  const { process, processes } = ctx.service;
  return process === undefined && (processes === undefined || Object.keys(processes).length === 0) && ctx.hasInApproot('wsgi.py');
}

/** A web service: with a wsgi.py and no process, Debian's gunicorn serves wsgi:application (assets/wsgi-server.ts). */
export const python: TypeBuilder = {
  runtimePackages: (ctx) => [...pythonPackages(ctx), ...(servesWsgiByDefault(ctx) ? ['gunicorn'] : [])],
  pathDirs: pythonPathDirs,
  dependencies: pipDependencies,
  instanceEnv: PYTHON_UNBUFFERED,
  files: (ctx): Record<string, string> => (ctx.hasInApproot('wsgi.py') ? { [`${CONTEXT_PAAS_DIR}/gunicorn.conf.py`]: GUNICORN_CONF_PY } : {}),
  defaultProcess(ctx) {
    if (ctx.hasInApproot('wsgi.py')) return gunicornCommand(`${PAAS_DIR}/gunicorn.conf.py`);
    throw new PaasError('BUILD_FAILED', `${ctx.service.name}: nothing to run: no process, no processes and no wsgi.py in the approot (${ctx.service.approot})`, {
      path: `${ctx.service.name}.process`,
      hint: 'add a wsgi.py defining `application`, or set process: (e.g. python3 app.py)',
    });
  },
};
