import { PaasError } from '@paas/core';
import { definitions } from './definitions/index.js';
import type { ProvisionedType, ServiceDefinition } from './types.js';

export type * from './types.js';
export { randomSecret, renderInitEnv } from './credentials.js';
export {
  ENTRYPOINT_PATH,
  INIT_ENV_DIR,
  INIT_ENV_FILE,
  INIT_MARKER,
  RESTORE_INVALID_EXIT,
  SERVICE_IMAGE_LABEL,
  STACK_IMAGE,
  recipeHash,
  stackImage,
  userIds,
  type StackRecipe,
} from './recipe.js';
export { serviceUrl } from './url.js';

/** Every type this platform provisions, in a stable order. */
export const PROVISIONED_TYPES: readonly ProvisionedType[] = Object.freeze(Object.keys(definitions) as ProvisionedType[]);

/** The definition of a data service type; TYPE_UNSUPPORTED for any other name. */
export function serviceDefinition(type: ProvisionedType): ServiceDefinition {
  const def = (definitions as Record<string, ServiceDefinition | undefined>)[type];
  if (def === undefined) throw new PaasError('TYPE_UNSUPPORTED', `${JSON.stringify(type)} is not a data service type this platform provisions`);
  return def;
}
