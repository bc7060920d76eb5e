import { NODE_CLUSTER_JS, NODE_HEARTBEAT_JS, RUN_NODE_SH } from '../assets/run-node.js';
import { CONTEXT_PAAS_DIR, CURRENT_DIR, HOME_DIR, PAAS_DIR } from '../layout.js';
import { execForm } from '../shell.js';
import type { DependencyStep, PlanContext, TypeBuilder } from '../build-plan.js';

const LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json'];

function needsNpm(ctx: PlanContext): boolean {
  return ctx.hasInApproot('package.json') || ctx.service.requirements.length > 0;
}

function npmDependencies(ctx: PlanContext): DependencyStep {
  const step: DependencyStep = { manifests: [], run: [] };
  if (ctx.hasInApproot('package.json')) {
    const locks = LOCKFILES.filter((f) => ctx.hasInApproot(f));
    step.manifests.push('package.json', ...locks);
    // npm ci installs exactly the lockfile; without one, npm install resolves.
    const command = locks.length > 0 ? 'npm ci' : 'npm install';
    step.run.push(`RUN ${command} --no-audit --no-fund && rm -rf ${HOME_DIR}/.npm`);
  }
  // --no-save keeps package.json as pushed; `--` so a requirement is never an npm option.
  if (ctx.service.requirements.length > 0) {
    step.run.push(`RUN ${execForm(['npm', 'install', '--no-save', '--no-audit', '--no-fund', '--', ...ctx.service.requirements])}`);
  }
  return step;
}

/**
 * nodejs and nodejs-worker build alike: Debian's nodejs, npm only when there
 * is something to install (npm pulls ~400 Debian packages), and a start script
 * that picks server.js / npm start / index.js when the instance starts (in
 * a cluster of workers for a web service, alone for a worker).
 * No instanceEnv: Node.js writes to pipes synchronously on Linux, unbuffered.
 */
export const nodejsBase: TypeBuilder = {
  runtimePackages: (ctx) => (needsNpm(ctx) ? ['nodejs', 'npm', 'ca-certificates'] : ['nodejs']),
  pathDirs: () => [`${CURRENT_DIR}/node_modules/.bin`],
  dependencies: npmDependencies,
  files: () => ({ [`${CONTEXT_PAAS_DIR}/run-node.sh`]: RUN_NODE_SH }),
  defaultProcess: () => `${PAAS_DIR}/run-node.sh`,
};

/** A web service's default: the same script, running server.js or index.js in paas's cluster. */
export const nodejsWeb: TypeBuilder = {
  ...nodejsBase,
  files: (ctx) => ({
    ...nodejsBase.files(ctx),
    [`${CONTEXT_PAAS_DIR}/node-cluster.js`]: NODE_CLUSTER_JS,
    [`${CONTEXT_PAAS_DIR}/node-heartbeat.js`]: NODE_HEARTBEAT_JS,
  }),
  defaultProcess: () => `${PAAS_DIR}/run-node.sh --cluster`,
};
