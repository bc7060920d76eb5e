export type { BuildPlan, PlanOptions, TypeBuilder, PlanContext, DependencyStep, StepInfo } from './build-plan.js';
export { planBuild } from './plan-build.js';
export { hookCommand, hookScripts } from './hooks.js';
export { builders, typeInstanceEnv } from './types/index.js';
export { buildImage, type BuildEvent, type BuildImageOptions } from './build-image.js';
export * as layout from './layout.js';
export { MissingPackageError, missingPackageError, type MissingPackage } from './build-errors.js';
export { nearestName } from './nearest-name.js';
