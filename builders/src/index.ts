export type { BuildPlan, PlanOptions, TypeBuilder, PlanContext, DependencyStep } from './build-plan.js';
export { planBuild } from './plan-build.js';
export { hookCommand, hookScripts } from './hooks.js';
export { builders, typeInstanceEnv } from './types/index.js';
export { buildImage, type BuildEvent, type BuildImageOptions } from './build-image.js';
export * as layout from './layout.js';
