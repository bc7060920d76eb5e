import { describe, expect, it } from 'vitest';
import { parseSpec } from '../src/spec/index.js';
import type { CodeService } from '../src/spec-types.js';
import { codeDefaults, specErrorOf } from './helpers.js';

function code(text: string, file: 'paas.yml' | 'dotcloud.yml' = 'paas.yml'): CodeService {
  const service = Object.values(parseSpec(text, { file }).spec.services)[0];
  if (service?.kind !== 'code') throw new Error('expected a code service');
  return service;
}
const problemsOf = (text: string): unknown => specErrorOf(text).problems;

describe('defaults per type', () => {
  it.each([
    ['python', { www: 'http' }, false],
    ['nodejs', { www: 'http' }, false],
    ['static', { www: 'http' }, false],
    ['python-worker', {}, true],
    ['nodejs-worker', {}, true],
    ['custom', {}, true],
  ] as const)('%s: ports %j, worker %s', (type, ports, isWorker) => {
    const s = code(`svc:\n  type: ${type}\n`);
    expect(s.ports).toEqual(ports);
    expect(s.isWorker).toBe(isWorker);
    expect(s.instances).toBe(1);
    expect(s.healthcheck).toEqual({ path: '/', timeout: 30, interval: 1 });
  });

  it('a custom service with only tcp/udp ports is a worker; with an http port it is not', () => {
    expect(code('svc:\n  type: custom\n  ports: {MC: tcp, control: udp}\n').isWorker).toBe(true);
    expect(code('svc:\n  type: custom\n  ports: {admin: http}\n').isWorker).toBe(false);
  });

  it('a worker type stays a worker with ports', () => {
    expect(code('svc:\n  type: nodejs-worker\n  ports: {feed: tcp}\n')).toMatchObject({ isWorker: true, ports: { feed: 'tcp' } });
  });

  it('custom runs ~/run by default, unless it has a process, processes or a Dockerfile', () => {
    expect(code('svc:\n  type: custom\n  buildscript: build.sh\n').process).toBe('~/run');
    expect(code('svc:\n  type: custom\n  process: ./server\n').process).toBe('./server');
    expect(code('svc:\n  type: custom\n  processes: {a: ./a}\n').process).toBeUndefined();
    expect(code('svc:\n  type: custom\n  dockerfile: Dockerfile\n').process).toBeUndefined();
  });
});

describe('fields', () => {
  it('normalises approot', () => {
    expect(code('www:\n  type: python\n  approot: ./web/\n').approot).toBe('web');
    expect(code('www:\n  type: python\n  approot: web/../api\n').approot).toBe('api');
    expect(code('www:\n  type: python\n  approot: web/..\n').approot).toBe('.');
  });

  it('treats collections left empty (entries commented out) as not given', () => {
    const s = code('www:\n  type: python\n  environment:\n    # DEBUG: 1\n  systempackages:\n  requirements:\n  ports:\n  config:\n  healthcheck:\n');
    expect(s).toStrictEqual({ ...codeDefaults, name: 'www', type: 'python', isWorker: false, ports: { www: 'http' } });
  });

  it('stringifies environment scalars as written', () => {
    const env = code('www:\n  type: python\n  environment:\n    A: 1.10\n    B: true\n    C:\n    D: 0123\n    E: "x y"\n    _F: 1e3\n').environment;
    expect(env).toStrictEqual({ A: '1.10', B: 'true', C: '', D: '0123', E: 'x y', _F: '1e3' });
  });

  it.each([
    ['BAD=KEY', 'www.environment["BAD=KEY"]'],
    ['A B', 'www.environment["A B"]'],
    ['1A', 'www.environment.1A'],
    ['', 'www.environment[""]'],
  ])('refuses environment key %j', (key, path) => {
    expect(problemsOf(`www:\n  type: python\n  environment: {${JSON.stringify(key)}: x}\n`)).toEqual([
      { path, message: `invalid name ${JSON.stringify(key)}: variable names are letters, digits and _, not starting with a digit` },
    ]);
  });

  it('refuses a list as an environment value', () => {
    expect(problemsOf('www:\n  type: python\n  environment: {A: [1]}\n')).toEqual([{ path: 'www.environment.A', message: 'expected a string, number or boolean, got a list' }]);
  });

  it('keeps requirements in order and refuses options', () => {
    expect(code('www:\n  type: python\n  requirements: [gunicorn, "django>=4,<5"]\n').requirements).toEqual(['gunicorn', 'django>=4,<5']);
    expect(problemsOf('www:\n  type: python\n  requirements: [gunicorn, --index-url=http://x, 3]\n')).toEqual([
      { path: 'www.requirements[1]', message: '"--index-url=http://x" looks like an option; list packages only' },
      { path: 'www.requirements[2]', message: 'expected a package requirement, got 3' },
    ]);
  });

  it.each([
    ['0', 0],
    ['64', 64],
  ])('accepts instances %s', (written, n) => {
    expect(code(`www:\n  type: python\n  instances: ${written}\n`).instances).toBe(n);
  });

  it.each(['-1', '65', '1.5', '1e3', '0x10', '"2"', 'two'])('refuses instances %s', (written) => {
    const shown = written === 'two' || written === '"2"' ? JSON.stringify(written.replace(/"/g, '')) : written;
    expect(problemsOf(`www:\n  type: python\n  instances: ${written}\n`)).toEqual([{ path: 'www.instances', message: `expected a whole number from 0 to 64, got ${shown}` }]);
  });

  it('fills healthcheck defaults key by key', () => {
    expect(code('www:\n  type: python\n  healthcheck: {path: /up}\n').healthcheck).toEqual({ path: '/up', timeout: 30, interval: 1 });
    expect(code('www:\n  type: python\n  healthcheck: {timeout: 0.5, interval: 0.25}\n').healthcheck).toEqual({ path: '/', timeout: 0.5, interval: 0.25 });
  });

  it('refuses bad healthchecks', () => {
    expect(problemsOf('www:\n  type: python\n  healthcheck: {path: health, timeout: 0, interval: -1, retries: 3}\n')).toEqual([
      { path: 'www.healthcheck.path', message: 'expected an HTTP path starting with "/", got "health"' },
      { path: 'www.healthcheck.timeout', message: 'expected a number of seconds above 0 and at most 3600, got 0' },
      { path: 'www.healthcheck.interval', message: 'expected a number of seconds above 0 and at most 3600, got -1' },
      { path: 'www.healthcheck.retries', message: 'unknown key "retries"; healthcheck takes path, timeout, interval' },
    ]);
    expect(problemsOf('www:\n  type: python\n  healthcheck: {timeout: 5, interval: 10}\n')).toEqual([
      { path: 'www.healthcheck.interval', message: 'the interval (10s) is longer than the timeout (5s)' },
    ]);
  });

  it('port names may hold capitals but must be variable names, and not collide', () => {
    expect(problemsOf('www:\n  type: custom\n  ports: {1st: http, my-port: tcp, mc: tcp, MC: udp}\n')).toEqual([
      { path: 'www.ports.1st', message: 'invalid name "1st": port names are letters, digits and _, starting with a letter (at most 32)' },
      { path: 'www.ports.my-port', message: 'invalid name "my-port": port names are letters, digits and _, starting with a letter (at most 32)' },
      { path: 'www.ports', message: 'ports "mc" and "MC" would both be $PORT_MC' },
    ]);
  });

  it('refuses empty or non-string commands', () => {
    expect(problemsOf('www:\n  type: python\n  prebuild: ""\n  postbuild: 3\n  postinstall:\n')).toEqual([
      { path: 'www.prebuild', message: 'the command is empty' },
      { path: 'www.postbuild', message: 'expected a command string, got 3' },
      { path: 'www.postinstall', message: 'expected a command string, got nothing' },
    ]);
  });
});

describe('exclusive keys', () => {
  it('process and processes', () => {
    expect(problemsOf('w:\n  type: python-worker\n  process: a\n  processes: {b: b}\n')).toEqual([{ path: 'w.processes', message: 'use either process or processes, not both' }]);
  });

  it('an empty processes map, and bad process names', () => {
    expect(problemsOf('w:\n  type: python-worker\n  processes: {}\n')).toEqual([{ path: 'w.processes', message: 'expected at least one process' }]);
    expect(problemsOf('w:\n  type: python-worker\n  processes: {"a b": x}\n')).toEqual([
      { path: 'w.processes["a b"]', message: 'invalid name "a b": process names are letters, digits, _ and -, at most 32' },
    ]);
  });

  it('buildscript and dockerfile: custom only, not both, inside the tree', () => {
    expect(problemsOf('www:\n  type: python\n  buildscript: build.sh\n')).toEqual([{ path: 'www.buildscript', message: 'only custom services take buildscript; this one is python' }]);
    expect(problemsOf('www:\n  type: custom\n  buildscript: build.sh\n  dockerfile: Dockerfile\n')).toEqual([{ path: 'www.dockerfile', message: 'use either buildscript or dockerfile, not both' }]);
    expect(problemsOf('www:\n  type: custom\n  approot: app\n  dockerfile: ../../Dockerfile\n')).toEqual([
      { path: 'www.dockerfile', message: '"../../Dockerfile" leaves the pushed tree; paths must stay inside it' },
    ]);
    expect(code('www:\n  type: custom\n  approot: app\n  dockerfile: ../Dockerfile\n').dockerfile).toBe('../Dockerfile');
  });
});

describe('service shapes and types', () => {
  it('a known type the platform cannot run is TYPE_UNSUPPORTED naming it', () => {
    const err = specErrorOf('idx:\n  type: solr\n');
    expect(err.code).toBe('TYPE_UNSUPPORTED');
    expect(err.message).toBe('paas.yml: idx.type: "solr" is a known type but this platform cannot run it yet; supported: postgresql, postgis, mysql, redis, rabbitmq, mongodb');
  });

  it('an unsupported type among other problems is SPEC_INVALID listing both', () => {
    const err = specErrorOf('idx:\n  type: solr\nwww:\n  type: ruby\n  instances: 99\n');
    expect(err.code).toBe('SPEC_INVALID');
    expect(err.problems?.map((p) => p.path)).toEqual(['idx.type', 'www.instances']);
  });

  it('an unknown type lists the valid ones', () => {
    expect(problemsOf('www:\n  type: Python\ndb:\n  type: oracle\n')).toEqual([
      { path: 'www.type', message: '"Python" is not a service type (did you mean "python"?); valid types: python, python-worker, nodejs, nodejs-worker, custom, static, php, php-worker, ruby, ruby-worker, perl, perl-worker, java, postgresql, postgis, mysql, redis, rabbitmq, mongodb' },
      { path: 'db.type', message: '"oracle" is not a service type; valid types: python, python-worker, nodejs, nodejs-worker, custom, static, php, php-worker, ruby, ruby-worker, perl, perl-worker, java, postgresql, postgis, mysql, redis, rabbitmq, mongodb' },
    ]);
  });

  it('a service needs a type', () => {
    expect(problemsOf('www:\n  approot: web\nx:\nn: 3\n')).toEqual([
      { path: 'www.type', message: 'missing: every service needs a type' },
      { path: 'x', message: 'expected a service (a map with a type, or a bare type name), got nothing' },
      { path: 'n', message: 'expected a service (a map with a type, or a bare type name), got 3' },
    ]);
  });

  it('service-level and config versions must agree', () => {
    expect(code('api:\n  type: nodejs\n  node_version: v18\n  config: {node_version: 18.x}\n').config).toEqual({ node_version: '18' });
    expect(problemsOf('api:\n  type: nodejs\n  node_version: "20"\n  config: {node_version: "18"}\n')).toEqual([
      { path: 'api.node_version', message: 'node_version is also set in config, to "18"; keep one' },
    ]);
  });

  it('every code type takes cpus and memory limits in config, checked', () => {
    expect(code('www:\n  type: python\n  config: {cpus: 0.5, memory: 256}\n').config).toEqual({ cpus: 0.5, memory: 256 });
    expect(problemsOf('www:\n  type: python\n  config: {cpus: 0, memory: 1.5}\nw2:\n  type: nodejs\n  config: {cpus: "1", memory: 70000}\n')).toEqual([
      { path: 'www.config.cpus', message: 'expected a number of CPUs from 0.05 to 64, e.g. 0.5, got 0' },
      { path: 'www.config.memory', message: 'expected whole MiB from 16 to 65536, e.g. 256, got 1.5' },
      { path: 'w2.config.cpus', message: 'expected a number of CPUs from 0.05 to 64, e.g. 0.5, got "1"' },
      { path: 'w2.config.memory', message: 'expected whole MiB from 16 to 65536, e.g. 256, got 70000' },
    ]);
  });

  it('unknown config keys are kept with a warning in paas.yml too', () => {
    const { spec, warnings } = parseSpec('www:\n  type: static\n  config: {static_root: dist, gzip: true}\n', { file: 'paas.yml' });
    expect(spec.services.www).toStrictEqual({ ...codeDefaults, name: 'www', type: 'static', isWorker: false, ports: { www: 'http' }, config: { static_root: 'dist', gzip: true } });
    expect(warnings).toEqual([{ path: 'www.config.gzip', message: '"gzip" is not a config key paas knows for static; it is kept and passed to the build' }]);
  });
});
