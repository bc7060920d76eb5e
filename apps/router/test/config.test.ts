import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { hostKey } from '../src/host.js';
import { trustCheck } from '../src/trusted-proxies.js';

const token = 'a'.repeat(32);

describe('loadConfig', () => {
  it('has defaults that agree with the API and CLI (control port = router port + 1)', () => {
    const c = loadConfig({ PAAS_ROUTER_TOKEN: token, PAAS_HOME: '/srv/paas' });
    expect(c).toMatchObject({ host: '0.0.0.0', port: 8080, controlHost: '127.0.0.1', controlPort: 8081, workers: 1, stateFile: join('/srv/paas', 'router', 'routes.json') });
    expect(loadConfig({ PAAS_ROUTER_TOKEN: token, PAAS_ROUTER_PORT: '9000' }).controlPort).toBe(9001);
    expect(loadConfig({ PAAS_ROUTER_TOKEN: token, PAAS_ROUTER_PORT: '9000', PAAS_ROUTER_CONTROL_PORT: '8079' }).controlPort).toBe(8079);
    expect(loadConfig({ PAAS_ROUTER_TOKEN: token, PAAS_ROUTER_WORKERS: '2', PAAS_ROUTER_MAX_BODY_MB: '1' })).toMatchObject({ workers: 2, maxBodyBytes: 1024 * 1024 });
  });

  it('reads the TLS port (default 8443, off, or 0 with an ephemeral plain port), trusted proxies and body limits', () => {
    const c = loadConfig({ PAAS_ROUTER_TOKEN: token, PAAS_HOME: '/srv/paas' });
    expect(c).toMatchObject({ tlsPort: 8443, tlsFile: join('/srv/paas', 'router', 'tls.json'), trustedProxies: [], bodyIdleMs: 10_000, bodyBufferBytes: 64 * 1024 });
    expect(loadConfig({ PAAS_ROUTER_TOKEN: token, PAAS_ROUTER_TLS_PORT: '443' }).tlsPort).toBe(443);
    expect(loadConfig({ PAAS_ROUTER_TOKEN: token, PAAS_ROUTER_TLS_PORT: 'off' }).tlsPort).toBeNull();
    expect(loadConfig({ PAAS_ROUTER_TOKEN: token, PAAS_ROUTER_PORT: '0' }).tlsPort).toBe(0);
    expect(() => loadConfig({ PAAS_ROUTER_TOKEN: token, PAAS_ROUTER_TLS_PORT: 'no' })).toThrow(/PAAS_ROUTER_TLS_PORT/);
    const t = loadConfig({ PAAS_ROUTER_TOKEN: token, PAAS_ROUTER_TRUSTED_PROXIES: ' 10.0.0.1, 10.1.0.0/16 ,fd00::/8,', PAAS_ROUTER_BODY_IDLE_MS: '500', PAAS_ROUTER_BODY_BUFFER_KB: '8' });
    expect(t).toMatchObject({ trustedProxies: ['10.0.0.1', '10.1.0.0/16', 'fd00::/8'], bodyIdleMs: 500, bodyBufferBytes: 8192 });
    for (const bad of ['10.0.0', '10.0.0.0/33', 'fd00::/129', 'example.com', '10.0.0.0/8/1', '10.0.0.0/x']) {
      expect(() => loadConfig({ PAAS_ROUTER_TOKEN: token, PAAS_ROUTER_TRUSTED_PROXIES: bad }), bad).toThrow(/PAAS_ROUTER_TRUSTED_PROXIES/);
    }
  });

  it('refuses to start without a real token or with bad numbers', () => {
    expect(() => loadConfig({})).toThrow(/PAAS_ROUTER_TOKEN/);
    expect(() => loadConfig({ PAAS_ROUTER_TOKEN: 'change-me' })).toThrow(/PAAS_ROUTER_TOKEN/);
    for (const bad of ['-1', '65536', '80abc', '1.5', '0x10']) {
      expect(() => loadConfig({ PAAS_ROUTER_TOKEN: token, PAAS_ROUTER_PORT: bad })).toThrow(/PAAS_ROUTER_PORT/);
    }
    expect(() => loadConfig({ PAAS_ROUTER_TOKEN: token, PAAS_ROUTER_WORKERS: '0' })).toThrow(/PAAS_ROUTER_WORKERS/);
  });

  it('reads the response buffer and the spool directory for request bodies', () => {
    const c = loadConfig({ PAAS_ROUTER_TOKEN: token });
    expect(c).toMatchObject({ responseBufferBytes: 16 * 1024 * 1024, spoolDir: join(tmpdir(), `paas-router-spool-${process.pid}`) });
    expect(loadConfig({ PAAS_ROUTER_TOKEN: token, PAAS_ROUTER_RESPONSE_BUFFER_KB: '0', PAAS_ROUTER_SPOOL_DIR: '/var/spool/paas' })).toMatchObject({ responseBufferBytes: 0, spoolDir: '/var/spool/paas' });
    expect(loadConfig({ PAAS_ROUTER_TOKEN: token, PAAS_ROUTER_RESPONSE_BUFFER_KB: '1024' }).responseBufferBytes).toBe(1024 * 1024);
    for (const bad of ['-1', '16MB', '1.5', String((1 << 20) + 1)]) {
      expect(() => loadConfig({ PAAS_ROUTER_TOKEN: token, PAAS_ROUTER_RESPONSE_BUFFER_KB: bad }), bad).toThrow(/PAAS_ROUTER_RESPONSE_BUFFER_KB must be a whole number from 0 to 1048576/);
    }
    expect(() => loadConfig({ PAAS_ROUTER_TOKEN: token, PAAS_ROUTER_SPOOL_DIR: 'spool' })).toThrow(/PAAS_ROUTER_SPOOL_DIR must be an absolute path, got "spool"/);
  });

  it('reads the retry wait, 100 ms by default, and refuses a bad one', () => {
    expect(loadConfig({ PAAS_ROUTER_TOKEN: token }).retryJitterMs).toBe(100);
    expect(loadConfig({ PAAS_ROUTER_TOKEN: token, PAAS_ROUTER_RETRY_JITTER_MS: '0' }).retryJitterMs).toBe(0);
    for (const bad of ['-5', 'soon', '10001']) {
      expect(() => loadConfig({ PAAS_ROUTER_TOKEN: token, PAAS_ROUTER_RETRY_JITTER_MS: bad }), bad).toThrow(/PAAS_ROUTER_RETRY_JITTER_MS must be a whole number from 0 to 10000/);
    }
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

  it('refuses a port that is not all digits', () => {
    expect(hostKey('blog.localhost:')).toBe('blog.localhost');
    expect(hostKey('blog.localhost:80x')).toBe('');
    expect(hostKey('blog.localhost: 80')).toBe('');
    expect(hostKey('a:b:c')).toBe('');
    expect(hostKey('[::1]:x')).toBe('');
    expect(hostKey('[::1]junk')).toBe('');
  });
});

describe('trustCheck', () => {
  it('matches addresses and ranges of both families, IPv4 peers of a dual-stack socket included', () => {
    expect(trustCheck([])).toBeNull();
    const trusted = trustCheck(['10.1.0.0/16', '192.0.2.7', 'fd00::/8'])!;
    expect(trusted('10.1.200.3')).toBe(true);
    expect(trusted('::ffff:10.1.0.9')).toBe(true);
    expect(trusted('192.0.2.7')).toBe(true);
    expect(trusted('192.0.2.8')).toBe(false);
    expect(trusted('10.2.0.1')).toBe(false);
    expect(trusted('fd12::1')).toBe(true);
    expect(trusted('fe80::1')).toBe(false);
    expect(trusted('')).toBe(false);
  });
});
