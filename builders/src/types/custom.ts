import { PaasError } from '@paas/core';
import { CURRENT_DIR } from '../layout.js';
import { execForm, shellQuote } from '../shell.js';
import type { BuildPlan, PlanContext, TypeBuilder } from '../build-plan.js';
import { isPlainRelativePath } from './paths.js';
import { PYTHON_UNBUFFERED } from './python-common.js';

function checkPath(ctx: PlanContext, key: 'buildscript' | 'dockerfile', value: string): string {
  const path = value.replace(/^\.\//, '');
  if (!isPlainRelativePath(path)) {
    throw new PaasError('SPEC_INVALID', `${ctx.service.name}.${key}: expected a relative path inside the approot, got ${JSON.stringify(value)}`, {
      path: `${ctx.service.name}.${key}`,
    });
  }
  if (!ctx.hasInApproot(path)) {
    throw new PaasError('BUILD_FAILED', `${ctx.service.name}.${key}: ${path} is not in the approot (${ctx.service.approot})`, {
      path: `${ctx.service.name}.${key}`,
      hint: `${key} is relative to the service's approot`,
    });
  }
  return path;
}

/**
 * dotCloud's build script: run as app in ~/current with the code in place,
 * given SERVICE_NAME, SERVICE_APPROOT and SERVICE_CONFIG (config plus the
 * dotcloud.yml keys paas does not know, which old scripts read). Whatever it
 * leaves in ~ is in the image; ~/run is the default process.
 */
function buildscriptStep(ctx: PlanContext): string[] {
  const script = ctx.service.buildscript;
  if (script === undefined) return [];
  const path = shellQuote(`./${checkPath(ctx, 'buildscript', script)}`);
  const config = JSON.stringify({ ...ctx.service.extra, ...ctx.service.config });
  return [`RUN ${execForm([
    '/usr/bin/env', `SERVICE_NAME=${ctx.service.name}`, `SERVICE_APPROOT=${CURRENT_DIR}`, `SERVICE_CONFIG=${config}`,
    '/bin/sh', '-c', `chmod +x ${path} && ${path}`,
  ])}`];
}

/** The app's own Dockerfile, built with the approot as context; it must start FROM a local image. */
function ownDockerfile(ctx: PlanContext): BuildPlan | undefined {
  const dockerfile = ctx.service.dockerfile;
  if (dockerfile === undefined) return undefined;
  return { dockerfile: '', files: {}, appDockerfile: { contextDir: ctx.service.approot, path: checkPath(ctx, 'dockerfile', dockerfile) } };
}

export const custom: TypeBuilder = {
  runtimePackages: () => [],
  pathDirs: () => [],
  dependencies(ctx) {
    if (ctx.service.requirements.length > 0) {
      throw new PaasError('SPEC_INVALID', `${ctx.service.name}.requirements: a custom service has no package manager`, {
        path: `${ctx.service.name}.requirements`,
        hint: 'install them from the buildscript, or use systempackages',
      });
    }
    return { manifests: [], run: [] };
  },
  files: () => ({}),
  defaultProcess: () => '~/run',
  // What a custom service runs is the app's choice, most often a script; of
  // the usual interpreters only Python buffers by default and obeys a variable.
  instanceEnv: PYTHON_UNBUFFERED,
  afterCode: buildscriptStep,
  ownPlan: ownDockerfile,
};
