import type { CodeService } from '@paas/core';

/** A parsed, defaulted service as the parser would hand it over, for unit tests. */
export function codeService(overrides: Partial<CodeService> & Pick<CodeService, 'type'>): CodeService {
  const isWorker = overrides.type.endsWith('-worker');
  return {
    kind: 'code',
    name: 'www',
    isWorker,
    approot: '.',
    systempackages: [],
    requirements: [],
    ports: isWorker ? {} : { www: 'http' },
    environment: {},
    config: {},
    instances: 1,
    healthcheck: { path: '/', timeout: 30, interval: 2 },
    extra: {},
    ...overrides,
  };
}

/** A files() predicate over a fixed list. */
export function treeWith(...paths: string[]): (rel: string) => boolean {
  const set = new Set(paths);
  return (rel) => set.has(rel);
}
