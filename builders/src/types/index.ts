import type { SupportedCodeType } from '@paas/core';
import type { TypeBuilder } from '../build-plan.js';
import { custom } from './custom.js';
import { java } from './java.js';
import { nodejsWorker } from './nodejs-worker.js';
import { nodejs } from './nodejs.js';
import { perlWorker } from './perl-worker.js';
import { perl } from './perl.js';
import { phpWorker } from './php-worker.js';
import { php } from './php.js';
import { pythonWorker } from './python-worker.js';
import { python } from './python.js';
import { rubyWorker } from './ruby-worker.js';
import { ruby } from './ruby.js';
import { staticSite } from './static.js';

/** The builder for a type is builders[type]: a lookup, never a detection chain. */
export const builders = {
  python,
  'python-worker': pythonWorker,
  nodejs,
  'nodejs-worker': nodejsWorker,
  static: staticSite,
  custom,
  php,
  'php-worker': phpWorker,
  ruby,
  'ruby-worker': rubyWorker,
  perl,
  'perl-worker': perlWorker,
  java,
} as const satisfies Record<SupportedCodeType, TypeBuilder>;

/** Variables every instance of the type gets (see TypeBuilder.instanceEnv); none for an unknown type. */
export function typeInstanceEnv(type: string): Record<string, string> {
  const builder: TypeBuilder | undefined = (builders as Record<string, TypeBuilder>)[type];
  return { ...builder?.instanceEnv };
}
