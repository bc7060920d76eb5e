import { parseSpec, type CodeService } from '@paas/core';
import { describe, expect, it } from 'vitest';
import { routesForApp } from '../src/deploy/routes-for-app.js';
import type { InstanceState } from '../src/runtime/types.js';

const services = (yaml: string): CodeService[] =>
  Object.values(parseSpec(yaml, { file: 'paas.yml' }).spec.services).filter((s): s is CodeService => s.kind === 'code');

const running = (index: number): InstanceState => ({
  id: `c${index}0000000000000`, name: `n${index}`, app: 'blog', service: 'www', release: 'v1', index, running: true,
  exitCode: null, restartCount: 0, startedAt: new Date(), addresses: { 8080: { host: '127.0.0.1', port: 30000 + index } },
});

describe('routesForApp', () => {
  it("carries a service's request_timeout to the router in ms, and nothing without one", () => {
    const withTimeout = routesForApp('blog', services('www:\n  type: python\n  request_timeout: 2.5\n'), new Map([['www', [running(1)]]]), 'localhost');
    expect(withTimeout.get('blog.localhost')).toMatchObject({ app: 'blog', service: 'www', timeoutMs: 2500 });
    const plain = routesForApp('blog', services('www:\n  type: python\n'), new Map([['www', [running(1)]]]), 'localhost');
    expect(plain.get('blog.localhost')).not.toHaveProperty('timeoutMs');
  });
});
