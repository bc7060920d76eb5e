import { PaasError } from '@paas/core';
import type { PlanContext } from '../build-plan.js';

/**
 * The default process of every `-worker` type: there is none, a worker says
 * what it runs. `example` is the hint's sample command for the language.
 */
export function workerNeedsProcess(type: string, example: string): (ctx: PlanContext) => never {
  return (ctx) => {
    throw new PaasError('BUILD_FAILED', `${ctx.service.name}: a ${type} needs process: or processes:`, {
      path: `${ctx.service.name}.process`,
      hint: `e.g. process: ${example}`,
    });
  };
}
