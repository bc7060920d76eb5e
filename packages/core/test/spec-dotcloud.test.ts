import { describe, expect, it } from 'vitest';
import { parseSpec } from '../src/spec/index.js';
import { codeDefaults, fixture, specErrorOf } from './helpers.js';

/** The cases of docs/spec.md "Real dotCloud build files", as old apps wrote them. */
describe('real dotcloud.yml files', () => {
  it('custom buildscript service with http/tcp/udp ports, processes, service-level node_version and its own keys', () => {
    const { spec, warnings } = parseSpec(fixture('dotcloud-custom-game.yml'), { file: 'dotcloud.yml' });
    expect(spec.services).toStrictEqual({
      www: {
        ...codeDefaults,
        name: 'www',
        type: 'custom',
        isWorker: false,
        buildscript: 'builder',
        systempackages: ['libevent-dev', 'memcached'],
        ports: { www: 'http', MC: 'tcp', control: 'udp' },
        processes: { game: '~/run', memcached: 'memcached -p $PORT_MC -m 64; echo memcached exited' },
        config: { build_jobs: 2, node_version: '0.8' },
        extra: { exclude_bundler_groups: { development: true, test: true } },
      },
    });
    expect(warnings).toEqual([
      { path: 'www.exclude_bundler_groups', message: 'unknown key "exclude_bundler_groups": kept and passed to the build, but paas does not use it' },
      { path: 'www.config.build_jobs', message: '"build_jobs" is not a config key paas knows for custom; it is kept and passed to the build' },
      { path: 'www.node_version', message: 'Node.js 0.8 is not available; Node.js 18 will be used instead' },
    ]);
  });

  it('python_version v2.7, ;-chained commands and ../postinstall.sh: accepted with one version warning', () => {
    const { spec, warnings } = parseSpec(fixture('dotcloud-python.yml'), { file: 'dotcloud.yml' });
    expect(spec.services.www).toStrictEqual({
      ...codeDefaults,
      name: 'www',
      type: 'python',
      isWorker: false,
      approot: 'web',
      ports: { www: 'http' },
      config: { python_version: '2.7' },
      prebuild: 'mkdir -p static; cp -r assets/* static/; echo assets copied',
      postinstall: '../postinstall.sh',
    });
    expect(spec.services.worker).toStrictEqual({
      ...codeDefaults,
      name: 'worker',
      type: 'python-worker',
      isWorker: true,
      approot: 'web',
      ports: {},
      process: '~/env/bin/python worker.py',
    });
    expect(spec.services.db).toStrictEqual({ kind: 'data', name: 'db', type: 'postgresql', config: {} });
    expect(warnings).toEqual([{ path: 'www.config.python_version', message: 'Python 2.7 is not available; Python 3.11 will be used instead' }]);
  });

  it('python_version v2.7 with --strict is VERSION_UNSUPPORTED', () => {
    const err = specErrorOf(fixture('dotcloud-python.yml'), 'dotcloud.yml', true);
    expect(err.code).toBe('VERSION_UNSUPPORTED');
    expect(err.message).toBe('dotcloud.yml: www.config.python_version: Python 2.7 is not available; this platform provides Python 3.11');
    expect(err.path).toBe('www.config.python_version');
    expect(err.status).toBe(400);
  });

  it('the same data type several times, config and approot on data services, perl_version on a custom service', () => {
    const { spec, warnings } = parseSpec(fixture('dotcloud-mysql-replicas.yml'), { file: 'dotcloud.yml' });
    expect(spec.services).toStrictEqual({
      dbwrite: { kind: 'data', name: 'dbwrite', type: 'mysql', approot: 'db', config: { mysql_serverid: 1 } },
      dbread1: { kind: 'data', name: 'dbread1', type: 'mysql', config: { mysql_serverid: 2 } },
      dbread2: { kind: 'data', name: 'dbread2', type: 'mysql', config: { mysql_serverid: 3 } },
      admin: {
        ...codeDefaults,
        name: 'admin',
        type: 'custom',
        isWorker: false,
        buildscript: 'admin/builder',
        ports: { www: 'http' },
        config: { perl_version: '5.16' },
        process: '~/run',
      },
    });
    expect(warnings).toEqual([{ path: 'admin.config.perl_version', message: "Perl 5.16 is not available; Debian 12's Perl 5.36 will be used instead" }]);
  });

  it('`data: mongodb` is read as a bare type and accepted: whether its image is on the engine is a deploy-time question', () => {
    const { spec, warnings } = parseSpec(fixture('dotcloud-mongodb.yml'), { file: 'dotcloud.yml' });
    expect(spec.services.data).toStrictEqual({ kind: 'data', name: 'data', type: 'mongodb', config: {} });
    expect(warnings).toEqual([]);
  });

  it('solr is known but not provisioned: refused with the list of data types that are', () => {
    const err = specErrorOf('idx:\n  type: solr\n', 'paas.yml');
    expect(err.code).toBe('TYPE_UNSUPPORTED');
    expect(err.problems).toEqual([{ path: 'idx.type', message: '"solr" is a known type but this platform cannot run it yet; supported: postgresql, postgis, mysql, redis, rabbitmq, mongodb' }]);
  });

  it('a bare supported type is a service with defaults', () => {
    const { spec } = parseSpec(fixture('dotcloud-mongodb.yml').replace('data: mongodb', 'data: redis'), { file: 'dotcloud.yml' });
    expect(spec.services.data).toStrictEqual({ kind: 'data', name: 'data', type: 'redis', config: {} });
  });

  it('CRLF, leading ---, 4-space and mixed indentation, trailing spaces, comments, no final newline', () => {
    const text = fixture('dotcloud-crlf.yml');
    // Guard against the fixture being normalised by an editor or git.
    expect(text.startsWith('---\r\n')).toBe(true);
    expect(text.endsWith('redis')).toBe(true);
    expect(text).toMatch(/ {4}type: nodejs/);
    expect(text).toMatch(/production {3}\r\n/);
    const { spec, warnings } = parseSpec(text, { file: 'dotcloud.yml' });
    expect(warnings).toEqual([]);
    expect(spec.services).toStrictEqual({
      www: { ...codeDefaults, name: 'www', type: 'nodejs', isWorker: false, approot: 'site', ports: { www: 'http' }, environment: { NODE_ENV: 'production' } },
      cache: { kind: 'data', name: 'cache', type: 'redis', config: {} },
    });
  });

  it('an unknown key in a dotcloud.yml data service is a warning, in a paas.yml an error', () => {
    const text = 'db:\n  type: mysql\n  flavour: 2\n';
    expect(parseSpec(text, { file: 'dotcloud.yml' })).toStrictEqual({
      spec: { file: 'dotcloud.yml', services: { db: { kind: 'data', name: 'db', type: 'mysql', config: {} } } },
      warnings: [{ path: 'db.flavour', message: 'unknown key "flavour" is ignored: a data service takes type, config, approot' }],
    });
    const err = specErrorOf(text, 'paas.yml');
    expect(err.code).toBe('SPEC_INVALID');
    expect(err.problems).toEqual([{ path: 'db.flavour', message: 'unknown key "flavour"; a data service takes type, config, approot' }]);
  });

  it('code-service keys on a data service are named as such: an error in a paas.yml, ignored with a warning in a dotcloud.yml', () => {
    const text = 'db:\n  type: postgresql\n  systempackages: [vim]\n  process: ./run\n  approot: db\n';
    const err = specErrorOf(text, 'paas.yml');
    expect(err.code).toBe('SPEC_INVALID');
    const why = "applies only to code services: a postgresql service runs the platform's postgresql image, with no build, packages or processes of its own";
    expect(err.problems).toEqual([
      { path: 'db.systempackages', message: `"systempackages" ${why}` },
      { path: 'db.process', message: `"process" ${why}` },
      { path: 'db.approot', message: `"approot" ${why}` },
    ]);
    const { spec, warnings } = parseSpec(text, { file: 'dotcloud.yml' });
    expect(spec.services.db).toStrictEqual({ kind: 'data', name: 'db', type: 'postgresql', config: {}, approot: 'db' });
    expect(warnings).toEqual([
      { path: 'db.systempackages', message: `"systempackages" ${why}; it is ignored` },
      { path: 'db.process', message: `"process" ${why}; it is ignored` },
    ]);
  });

  it('the same unknown code-service key is an error in paas.yml', () => {
    const err = specErrorOf(fixture('dotcloud-custom-game.yml'), 'paas.yml');
    expect(err.code).toBe('SPEC_INVALID');
    expect(err.problems?.map((p) => p.path)).toEqual(['www.exclude_bundler_groups']);
  });
});
