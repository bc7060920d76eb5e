import { describe, expect, it } from 'vitest';
import { describeService, parseSpec } from '../src/spec/index.js';
import { codeDefaults, repoFile } from './helpers.js';

/** The one ```yaml block of docs/spec.md: the commented example using every key. */
function docsExample(): string {
  const blocks = [...repoFile('docs/spec.md').matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  expect(blocks).toHaveLength(1);
  return blocks[0] ?? '';
}

describe('the example in docs/spec.md', () => {
  it('uses every key of a code service', () => {
    const text = docsExample();
    for (const key of ['type', 'approot', 'systempackages', 'requirements', 'prebuild', 'postbuild', 'postinstall', 'process', 'processes', 'ports', 'environment', 'config', 'instances', 'healthcheck', 'buildscript', 'dockerfile']) {
      expect(text, key).toMatch(new RegExp(`^ +${key}:`, 'm'));
    }
  });

  it('parses into exactly this spec, with no warning', () => {
    const { spec, warnings } = parseSpec(docsExample(), { file: 'paas.yml' });
    expect(warnings).toEqual([]);
    expect(spec.file).toBe('paas.yml');
    expect(Object.keys(spec.services)).toEqual(['www', 'worker', 'api', 'game', 'proxy', 'db', 'cache']);
    expect(spec.services).toStrictEqual({
      www: {
        ...codeDefaults,
        name: 'www',
        type: 'python',
        isWorker: false,
        approot: 'web',
        systempackages: ['libxml2-dev', 'imagemagick=8:6.9.11.60+dfsg-1.6'],
        requirements: ['gunicorn==21.2'],
        prebuild: './bin/fetch-assets',
        postbuild: 'python manage.py collectstatic --noinput',
        postinstall: './bin/migrate; ./bin/warm-cache',
        process: 'gunicorn site.wsgi --bind 0.0.0.0:$PORT',
        ports: { www: 'http' },
        environment: { DJANGO_SETTINGS_MODULE: 'site.settings', WEB_CONCURRENCY: '4' },
        config: { python_version: '3.11' },
        instances: 2,
        healthcheck: { path: '/health', timeout: 60, interval: 2 },
      },
      worker: {
        ...codeDefaults,
        name: 'worker',
        type: 'python-worker',
        isWorker: true,
        approot: 'web',
        ports: {},
        processes: { celery: 'celery -A site worker', beat: 'celery -A site beat' },
      },
      api: { ...codeDefaults, name: 'api', type: 'nodejs', isWorker: false, approot: 'api', ports: { www: 'http' }, config: { node_version: '18' } },
      game: {
        ...codeDefaults,
        name: 'game',
        type: 'custom',
        isWorker: false,
        approot: 'game',
        buildscript: 'builder',
        ports: { www: 'http', MC: 'tcp', control: 'udp' },
        process: '~/run',
      },
      proxy: { ...codeDefaults, name: 'proxy', type: 'custom', isWorker: false, dockerfile: 'Dockerfile', ports: { www: 'http' } },
      db: { kind: 'data', name: 'db', type: 'postgresql', config: {} },
      cache: { kind: 'data', name: 'cache', type: 'redis', config: {} },
    });
  });

  it('is summarised one line per service', () => {
    const { spec } = parseSpec(docsExample(), { file: 'paas.yml' });
    expect(Object.values(spec.services).map(describeService)).toEqual([
      'www: python, approot web, 2 instances, ports www/http, 2 system packages',
      'worker: python-worker, approot web, 1 instance, no ports, processes celery beat',
      'api: nodejs, approot api, 1 instance, ports www/http',
      'game: custom, approot game, 1 instance, ports www/http MC/tcp control/udp, buildscript builder',
      'proxy: custom, 1 instance, ports www/http, dockerfile Dockerfile',
      'db: postgresql, data',
      'cache: redis, data',
    ]);
  });
});
