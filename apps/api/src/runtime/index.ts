export * from './types.js';
export { DockerRuntime } from './docker-runtime.js';
export type { DockerRuntimeOptions } from './docker-runtime.js';
export { containerName, instanceName, networkName, LABEL } from './names.js';
export { DEFAULT_POOL, freeSubnets, parseCidr, poolProblem, type AddressPool } from './address-pool.js';
export { EXEC_TIMEOUT_EXIT, EXEC_KILLED_EXIT } from './exec-instance.js';
