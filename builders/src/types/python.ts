import { PaasError } from '@paas/core';
import { WSGI_SERVER_PY } from '../assets/wsgi-server.js';
import { CONTEXT_PAAS_DIR, PAAS_DIR } from '../layout.js';
import type { TypeBuilder } from '../build-plan.js';
import { PYTHON_UNBUFFERED, pipDependencies, pythonPackages, pythonPathDirs } from './python-common.js';

/** A web service: with a wsgi.py and no process, paas's stdlib WSGI server serves wsgi:application. */
export const python: TypeBuilder = {
  runtimePackages: pythonPackages,
  pathDirs: pythonPathDirs,
  dependencies: pipDependencies,
  instanceEnv: PYTHON_UNBUFFERED,
  files: (ctx): Record<string, string> => (ctx.hasInApproot('wsgi.py') ? { [`${CONTEXT_PAAS_DIR}/wsgi-server.py`]: WSGI_SERVER_PY } : {}),
  defaultProcess(ctx) {
    if (ctx.hasInApproot('wsgi.py')) return `python3 ${PAAS_DIR}/wsgi-server.py`;
    throw new PaasError('BUILD_FAILED', `${ctx.service.name}: nothing to run: no process, no processes and no wsgi.py in the approot (${ctx.service.approot})`, {
      path: `${ctx.service.name}.process`,
      hint: 'add a wsgi.py defining `application`, or set process: (e.g. python3 app.py)',
    });
  },
};
