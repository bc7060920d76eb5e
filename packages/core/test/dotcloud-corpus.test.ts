import { describe, expect, it } from 'vitest';
import { parseSpec } from '../src/spec/index.js';
import type { SpecWarning } from '../src/spec-types.js';
import { specErrorOf } from './helpers.js';

/**
 * Build files as dotCloud apps wrote them in 2011–2014, one per pattern of
 * docs/spec.md "Real dotCloud build files", plus whole ones mixing them. Each
 * must validate, with exactly the warnings listed.
 */
const CORPUS: { name: string; text: string; warnings: SpecWarning[] }[] = [
  {
    name: 'custom service with a buildscript and http, tcp and udp ports, one named in capitals',
    text: `www:
  type: custom
  buildscript: builder
  systempackages:
    - libevent-dev
  ports:
    www: http
    MC: tcp
    stats: udp
  processes:
    app: ~/run
    memcached: memcached -p $PORT_MC
`,
    warnings: [],
  },
  {
    name: 'python_version with a v prefix',
    text: 'www:\n  type: python\n  config:\n    python_version: v2.7\n',
    warnings: [{ path: 'www.config.python_version', message: 'Python 2.7 is not available; Python 3.11 will be used instead' }],
  },
  {
    name: 'node_version v0.8.x at service level',
    text: 'www:\n  type: nodejs\n  node_version: v0.8.x\n',
    warnings: [{ path: 'www.node_version', message: 'Node.js 0.8 is not available; Node.js 18 will be used instead' }],
  },
  {
    name: 'perl_version v5.16.x on a custom service',
    text: 'www:\n  type: custom\n  buildscript: build.sh\n  config:\n    perl_version: v5.16.x\n',
    warnings: [{ path: 'www.config.perl_version', message: "Perl 5.16 is not available; Debian 12's Perl 5.36 will be used instead" }],
  },
  {
    name: 'unknown type-specific keys, one a map the build script reads',
    text: `www:
  type: custom
  buildscript: dotcloud/build.sh
  exclude_bundler_groups:
    - development
    - test
  config:
    ruby_env: production
`,
    warnings: [
      { path: 'www.exclude_bundler_groups', message: 'unknown key "exclude_bundler_groups": kept and passed to the build, but paas does not use it' },
      { path: 'www.config.ruby_env', message: '"ruby_env" is not a config key paas knows for custom; it is kept and passed to the build' },
    ],
  },
  {
    name: 'the same data type several times, with config and an approot on a data service',
    text: `dbwrite:
  type: mysql
  approot: mysql
  config:
    mysql_serverid: 1
dbread1:
  type: mysql
  config:
    mysql_serverid: 2
dbread2:
  type: mysql
  config:
    mysql_serverid: 3
`,
    warnings: [],
  },
  {
    name: 'services given as a bare type name',
    text: 'data: mongodb\ncache: redis\nwww:\n  type: static\n',
    warnings: [],
  },
  {
    name: 'commands chained with ;, a hook leaving the approot, ~/ commands and a non-executable perl hook',
    text: `www:
  type: python
  approot: web
  prebuild: mkdir -p static; cp -r assets/* static/; echo done
  postbuild: ~/env/bin/python manage.py collectstatic --noinput
  postinstall: ../postinstall.sh
worker:
  type: python-worker
  approot: web
  postinstall: ./mysql.pl
  process: ~/env/bin/python worker.py; sleep 5
`,
    warnings: [],
  },
  {
    name: 'processes left to a supervisord.conf in the approot, and a nodejs app started by server.js',
    text: 'worker:\n  type: python-worker\n  approot: jobs\napi:\n  type: nodejs\n  approot: api\n',
    warnings: [],
  },
  {
    name: '4-space and mixed indentation, CRLF, trailing spaces, a leading ---, comments, no final newline',
    text: '--- # build file\r\n# the web front\r\nwww:\r\n    type: python   \r\n    approot: site # comment\r\n    environment:\r\n      DEBUG: "0"  \r\n# data\r\ndb:\r\n  type: postgresql',
    warnings: [],
  },
  {
    name: 'a whole Django app: python www with hooks, a celery worker, postgres, redis and an smtp-less mail setting',
    text: `# dotCloud build file for the shop
www:
    type: python
    approot: shop
    config:
        python_version: v2.7
    systempackages:
        - libjpeg-dev
        - libpq-dev
    requirements:
        - psycopg2
    postinstall: ./postinstall
    environment:
        DJANGO_SETTINGS_MODULE: shop.settings.dotcloud
        EMAIL_HOST: smtp.example.com

celery:
    type: python-worker
    approot: shop
    config:
        python_version: v2.7
    processes:
        celeryd: ~/env/bin/python manage.py celeryd -E -l info -c 2
        celerybeat: ~/env/bin/python manage.py celerybeat --pidfile=/tmp/celerybeat.pid

db:
    type: postgresql
cache:
    type: redis
`,
    warnings: [
      { path: 'www.config.python_version', message: 'Python 2.7 is not available; Python 3.11 will be used instead' },
      { path: 'celery.config.python_version', message: 'Python 2.7 is not available; Python 3.11 will be used instead' },
    ],
  },
  {
    name: 'a whole multiplayer game: custom build with several ports, node_version at service level, mongodb and replicas',
    text: `---
game:
  type: custom
  buildscript: server/builder
  approot: server
  node_version: v0.8.x
  ports:
    www: http
    MC: tcp
    beacon: udp
  systempackages: [memcached]
  processes:
    game: ~/run
    mc: memcached -u nobody -p $PORT_MC -m 64 ; echo memcached stopped
  exclude_bundler_groups: {development: true}
admin:
  type: nodejs
  approot: admin
  postinstall: ../shared/postinstall.sh
data: mongodb
dbwrite:
  type: mysql
  config: {mysql_serverid: 1}
dbread:
  type: mysql
  approot: db
  config: {mysql_serverid: 2}
`,
    warnings: [
      { path: 'game.exclude_bundler_groups', message: 'unknown key "exclude_bundler_groups": kept and passed to the build, but paas does not use it' },
      { path: 'game.node_version', message: 'Node.js 0.8 is not available; Node.js 18 will be used instead' },
    ],
  },
];

describe('dotCloud build files that validate', () => {
  it.each(CORPUS)('$name', ({ text, warnings }) => {
    const parsed = parseSpec(text, { file: 'dotcloud.yml' });
    expect(parsed.warnings).toEqual(warnings);
    expect(Object.keys(parsed.spec.services).length).toBeGreaterThan(0);
  });

  it('keeps what old build scripts and hooks read, as written', () => {
    const game = CORPUS.find((c) => c.name.startsWith('a whole multiplayer game'))!;
    const { spec } = parseSpec(game.text, { file: 'dotcloud.yml' });
    const s = spec.services.game;
    expect(s?.kind === 'code' && { ports: s.ports, config: s.config, extra: s.extra, buildscript: s.buildscript }).toEqual({
      ports: { www: 'http', MC: 'tcp', beacon: 'udp' },
      config: { node_version: '0.8' },
      extra: { exclude_bundler_groups: { development: true } },
      buildscript: 'server/builder',
    });
    expect(spec.services.admin).toMatchObject({ postinstall: '../shared/postinstall.sh', approot: 'admin' });
    expect(spec.services.data).toEqual({ kind: 'data', name: 'data', type: 'mongodb', config: {} });
    expect(spec.services.dbread).toEqual({ kind: 'data', name: 'dbread', type: 'mysql', approot: 'db', config: { mysql_serverid: 2 } });
  });

  it('with --strict a version the platform cannot provide is the error instead of the warning', () => {
    const err = specErrorOf(CORPUS[1]!.text, 'dotcloud.yml', true);
    expect(err.code).toBe('VERSION_UNSUPPORTED');
    expect(err.problems).toEqual([{ path: 'www.config.python_version', message: 'Python 2.7 is not available; this platform provides Python 3.11' }]);
  });
});

describe('dotCloud build files that are refused, each with a clear message', () => {
  it('solr: a known type this platform does not run', () => {
    const err = specErrorOf('www:\n  type: python\nsearch:\n  type: solr\n', 'dotcloud.yml');
    expect(err.code).toBe('TYPE_UNSUPPORTED');
    expect(err.message).toBe('dotcloud.yml: search.type: "solr" is a known type but this platform cannot run it yet; supported: postgresql, postgis, mysql, redis, rabbitmq, mongodb');
  });

  it('smtp: a dotCloud type with no counterpart, and what to do instead', () => {
    const err = specErrorOf('www:\n  type: python\nmail:\n  type: smtp\n', 'dotcloud.yml');
    expect(err.code).toBe('TYPE_UNSUPPORTED');
    expect(err.problems).toEqual([
      { path: 'mail.type', message: '"smtp" is a dotCloud service type this platform does not provide; send mail through an outside SMTP relay (its address in `environment`) instead' },
    ]);
  });

  it('tab indentation: not YAML, with the lines', () => {
    const err = specErrorOf('www:\n\ttype: python\n\tapproot: web\n', 'dotcloud.yml');
    expect(err.code).toBe('SPEC_INVALID');
    expect(err.problems).toEqual([
      { path: '', message: 'line 2: tabs are not allowed in YAML indentation; indent with spaces' },
      { path: '', message: 'line 3: tabs are not allowed in YAML indentation; indent with spaces' },
    ]);
  });

  it('a file that is not YAML says so, with the line', () => {
    const err = specErrorOf('www:\n  type: python\n  - approot: web\n', 'dotcloud.yml');
    expect(err.code).toBe('SPEC_INVALID');
    expect(err.message).toMatch(/^dotcloud\.yml: line 3, column \d+: not valid YAML: /);
    const html = specErrorOf('<html><body>502 Bad Gateway</body></html>\n', 'dotcloud.yml');
    expect(html.code).toBe('SPEC_INVALID');
    expect(html.message).toBe('dotcloud.yml: expected a map of service name → service, got "<html><body>502 Bad Gateway</body></html>"');
  });

  it('a type nobody knows, with a suggestion', () => {
    const err = specErrorOf('www:\n  type: pyhton\n', 'dotcloud.yml');
    expect(err.code).toBe('SPEC_INVALID');
    expect(err.problems?.[0]?.message).toMatch(/^"pyhton" is not a service type \(did you mean "python"\?\); valid types: /);
  });
});
