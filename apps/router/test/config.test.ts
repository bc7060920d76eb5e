import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { hostKey } from '../src/host.js';

const token = 'a'.repeat(32);

describe('loadConfig', () => {
  it('has defaults that agree with the API and CLI (control port = router port + 1)', () => {
    const c = loadConfig({ PAAS_ROUTER_TOKEN: token, PAAS_HOME: '/srv/paas' });
    expect(c).toMatchObject({ host: '0.0.0.0', port: 8080, controlHost: '127.0.0.1', controlPort: 8081, workers: 1, stateFile: join('/srv/paas', 'router', 'routes.json') });
    expect(loadConfig({ PAAS_ROUTER_TOKEN: token, PAAS_ROUTER_PORT: '9000' }).controlPort).toBe(9001);
    expect(loadConfig({ PAAS_ROUTER_TOKEN: token, PAAS_ROUTER_PORT: '9000', PAAS_ROUTER_CONTROL_PORT: '8079' }).controlPort).toBe(8079);
    expect(loadConfig({ PAAS_ROUTER_TOKEN: token, PAAS_ROUTER_WORKERS: '2', PAAS_ROUTER_MAX_BODY_MB: '1' })).toMatchObject({ workers: 2, maxBodyBytes: 1024 * 1024 });
  });

  it('refuses to start without a real token or with bad numbers', () => {
    expect(() => loadConfig({})).toThrow(/PAAS_ROUTER_TOKEN/);
    expect(() => loadConfig({ PAAS_ROUTER_TOKEN: 'change-me' })).toThrow(/PAAS_ROUTER_TOKEN/);
    for (const bad of ['-1', '65536', '80abc', '1.5', '0x10']) {
      expect(() => loadConfig({ PAAS_ROUTER_TOKEN: token, PAAS_ROUTER_PORT: bad })).toThrow(/PAAS_ROUTER_PORT/);
    }
    expect(() => loadConfig({ PAAS_ROUTER_TOKEN: token, PAAS_ROUTER_WORKERS: '0' })).toThrow(/PAAS_ROUTER_WORKERS/);
  });
});

describe('hostKey', () => {
  it('lower-cases, strips the port and a trailing dot', () => {
    expect(hostKey('Blog.Localhost:8080')).toBe('blog.localhost');
    expect(hostKey('blog.localhost.')).toBe('blog.localhost');
    expect(hostKey('[::1]:8080')).toBe('[::1]');
    expect(hostKey(undefined)).toBe('');
    expect(hostKey('')).toBe('');
  });
});
