import type { CodeService } from '@paas/core';
import { describe, expect, it } from 'vitest';
import { instanceEnv } from '../src/deploy/instance-env.js';

function service(type: CodeService['type'], environment: Record<string, string> = {}): CodeService {
  const isWorker = type.endsWith('-worker');
  return {
    kind: 'code', name: 'www', type, isWorker, approot: '.', systempackages: [], requirements: [],
    ports: isWorker ? {} : { www: 'http' }, environment, config: {}, instances: 1,
    healthcheck: { path: '/', timeout: 30, interval: 2 }, extra: {},
  } as CodeService;
}

describe('instanceEnv: output unbuffered by type', () => {
  it('gives python and python-worker instances PYTHONUNBUFFERED=1', () => {
    expect(instanceEnv({ app: 'blog', service: service('python'), release: 'v1', index: 1 }).PYTHONUNBUFFERED).toBe('1');
    expect(instanceEnv({ app: 'blog', service: service('python-worker'), release: 'v1', index: 2 }).PYTHONUNBUFFERED).toBe('1');
  });

  it('lets the spec or the app environment override it', () => {
    expect(instanceEnv({ app: 'blog', service: service('python', { PYTHONUNBUFFERED: '' }), release: 'v1', index: 1 }).PYTHONUNBUFFERED).toBe('');
    expect(instanceEnv({ app: 'blog', service: service('python'), release: 'v1', index: 1, appEnv: { PYTHONUNBUFFERED: '0' } }).PYTHONUNBUFFERED).toBe('0');
  });

  it('sets nothing of the kind for nodejs, which does not buffer', () => {
    const env = instanceEnv({ app: 'blog', service: service('nodejs'), release: 'v1', index: 1 });
    expect(env).not.toHaveProperty('PYTHONUNBUFFERED');
    expect(env).toMatchObject({ PORT: '8080', PAAS_INSTANCE: 'www.1' });
  });
});

describe('instanceEnv: the request timeout the default servers follow', () => {
  it('is PAAS_REQUEST_TIMEOUT when the spec sets request_timeout, on web services only', () => {
    expect(instanceEnv({ app: 'blog', service: { ...service('python'), requestTimeout: 30 }, release: 'v1', index: 1 }).PAAS_REQUEST_TIMEOUT).toBe('30');
    expect(instanceEnv({ app: 'blog', service: service('python'), release: 'v1', index: 1 })).not.toHaveProperty('PAAS_REQUEST_TIMEOUT');
    expect(instanceEnv({ app: 'blog', service: { ...service('python-worker'), requestTimeout: 30 }, release: 'v1', index: 1 })).not.toHaveProperty('PAAS_REQUEST_TIMEOUT');
  });
});
