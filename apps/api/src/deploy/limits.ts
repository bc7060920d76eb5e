import type { CodeService } from '@paas/core';
import type { InstanceLimits } from '../runtime/types.js';

/**
 * An instance's limits: the platform's defaults, or the service's own
 * `config: {cpus: 0.5, memory: 256}` (memory in MiB), which the spec parser
 * has checked. No type needs a capability today: instances listen on 8080+.
 */
export function serviceLimits(service: CodeService, defaults: Required<Pick<InstanceLimits, 'memoryBytes' | 'cpus' | 'pids'>>): InstanceLimits {
  const cpus = typeof service.config.cpus === 'number' ? service.config.cpus : defaults.cpus;
  const memoryBytes = typeof service.config.memory === 'number' ? service.config.memory * 1024 * 1024 : defaults.memoryBytes;
  return { cpus, memoryBytes, pids: defaults.pids };
}
