import type { CodeService } from '@paas/core';
import { describe, expect, it } from 'vitest';
import { containerPorts, instanceEnv, publishedPorts } from '../src/deploy/instance-env.js';
import { serviceLimits } from '../src/deploy/limits.js';
import { appUrl, routesForApp } from '../src/deploy/routes-for-app.js';
import type { InstanceState } from '../src/runtime/types.js';

function service(over: Partial<CodeService> = {}): CodeService {
  return {
    kind: 'code', name: 'www', type: 'python', isWorker: false, approot: '.', systempackages: [], requirements: [],
    ports: { www: 'http' }, environment: {}, config: {}, instances: 1,
    healthcheck: { path: '/', timeout: 30, interval: 1 }, extra: {}, ...over,
  };
}

function instance(over: Partial<InstanceState>): InstanceState {
  return { id: 'c1', name: 'n', app: 'blog', service: 'www', release: 'v2', index: 1, running: true, exitCode: null, restartCount: 0, startedAt: new Date(0), addresses: { 8080: { host: '127.0.0.1', port: 32001 } }, ...over };
}

describe('instanceEnv', () => {
  it('gives the platform variables, dotCloud names and the spec environment', () => {
    const env = instanceEnv({ app: 'blog', service: service({ environment: { MODE: 'prod' } }), release: 'v7', index: 2 });
    expect(env).toEqual({
      PYTHONUNBUFFERED: '1', MODE: 'prod', PORT: '8080', PORT_WWW: '8080',
      PAAS_APP: 'blog', PAAS_SERVICE: 'www', PAAS_INSTANCE: 'www.2', PAAS_RELEASE: 'v7',
      DOTCLOUD_PROJECT: 'blog', DOTCLOUD_SERVICE_NAME: 'www', DOTCLOUD_SERVICE_ID: '1',
    });
  });

  it('lets app-wide variables override the spec, but never the platform ones', () => {
    const env = instanceEnv({
      app: 'blog', service: service({ environment: { A: 'spec', PORT: '1' } }), release: 'v1', index: 1,
      appEnv: { A: 'app', PAAS_APP: 'other' },
    });
    expect([env.A, env.PORT, env.PAAS_APP]).toEqual(['app', '8080', 'blog']);
  });

  it('numbers several ports in spec order; PORT is the first http port; udp is not published', () => {
    const s = service({ type: 'custom', ports: { MC: 'tcp', www: 'http', control: 'udp' } });
    expect(containerPorts(s)).toEqual({ MC: 8080, www: 8081, control: 8082 });
    expect(publishedPorts(s)).toEqual([8080, 8081]);
    const env = instanceEnv({ app: 'a1', service: s, release: 'v1', index: 1 });
    expect([env.PORT, env.PORT_MC, env.PORT_WWW, env.PORT_CONTROL]).toEqual(['8081', '8080', '8081', '8082']);
  });

  it('gives a worker without ports no PORT', () => {
    const env = instanceEnv({ app: 'a1', service: service({ type: 'python-worker', isWorker: true, ports: {} }), release: 'v1', index: 1 });
    expect(env.PORT).toBeUndefined();
  });
});

describe('routesForApp', () => {
  it('routes the app name to the first web service and <service>.<app> to each, with running instances only', () => {
    const www = service();
    const api = service({ name: 'api' });
    const worker = service({ name: 'jobs', type: 'python-worker', isWorker: true, ports: {} });
    const routes = routesForApp('blog', [www, worker, api], new Map([
      ['www', [instance({ index: 2, addresses: { 8080: { host: '127.0.0.1', port: 32002 } } }), instance({ index: 1 }), instance({ index: 3, running: false })]],
      ['api', [instance({ service: 'api', addresses: { 8080: { host: '127.0.0.1', port: 32010 } } })]],
      ['jobs', [instance({ service: 'jobs', addresses: {} })]],
    ]), 'localhost');
    expect(Object.fromEntries(routes)).toEqual({
      'blog.localhost': { app: 'blog', service: 'www', targets: [
        { id: 'blog.www.v2.1.c1', host: '127.0.0.1', port: 32001 },
        { id: 'blog.www.v2.2.c1', host: '127.0.0.1', port: 32002 },
      ] },
      'www.blog.localhost': { app: 'blog', service: 'www', targets: [
        { id: 'blog.www.v2.1.c1', host: '127.0.0.1', port: 32001 },
        { id: 'blog.www.v2.2.c1', host: '127.0.0.1', port: 32002 },
      ] },
      'api.blog.localhost': { app: 'blog', service: 'api', targets: [{ id: 'blog.api.v2.1.c1', host: '127.0.0.1', port: 32010 }] },
    });
  });

  it('leaves the port out of the URL only on port 80', () => {
    expect(appUrl('blog', 'localhost', 8080)).toBe('http://blog.localhost:8080');
    expect(appUrl('blog', 'apps.example.com', 80)).toBe('http://blog.apps.example.com');
  });
});

describe('serviceLimits', () => {
  const defaults = { memoryBytes: 1024 << 20, cpus: 1, pids: 512 };
  it("takes the platform's defaults, or the service's config cpus and memory (MiB)", () => {
    expect(serviceLimits(service(), defaults)).toEqual({ memoryBytes: 1024 << 20, cpus: 1, pids: 512 });
    expect(serviceLimits(service({ config: { cpus: 0.25, memory: 128 } }), defaults)).toEqual({ memoryBytes: 128 << 20, cpus: 0.25, pids: 512 });
  });
});
