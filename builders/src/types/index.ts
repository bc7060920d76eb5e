import type { SupportedCodeType } from '@paas/core';
import type { TypeBuilder } from '../build-plan.js';
import { custom } from './custom.js';
import { nodejsWorker } from './nodejs-worker.js';
import { nodejs } from './nodejs.js';
import { pythonWorker } from './python-worker.js';
import { python } from './python.js';
import { staticSite } from './static.js';

/** The builder for a type is builders[type]: a lookup, never a detection chain. */
export const builders = {
  python,
  'python-worker': pythonWorker,
  nodejs,
  'nodejs-worker': nodejsWorker,
  static: staticSite,
  custom,
} as const satisfies Record<SupportedCodeType, TypeBuilder>;

/** Variables every instance of the type gets (see TypeBuilder.instanceEnv); none for an unknown type. */
export function typeInstanceEnv(type: string): Record<string, string> {
  const builder: TypeBuilder | undefined = (builders as Record<string, TypeBuilder>)[type];
  return { ...builder?.instanceEnv };
}
