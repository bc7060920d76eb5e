import { describe, expect, it } from 'vitest';
import {
  chooseSpecSource, deriveProcfileSpec, detectLanguage, parseProcfile, readNodeVersion, readPythonVersion,
} from '../src/spec/index.js';
import type { CodeService } from '../src/spec-types.js';
import { catchPaasError } from './helpers.js';

const FLASK = { Procfile: 'web: gunicorn hello:app\nworker: celery -A tasks worker\n', 'requirements.txt': 'Flask\ngunicorn\n' };

describe('parseProcfile', () => {
  it('reads TYPE: command lines, skipping blanks and comments, with their numbers', () => {
    const text = '\uFEFF# Heroku processes\r\nweb: gunicorn hello:app --log-file -\r\n\r\nworker:celery -A tasks worker  \nclock:  python3 clock.py\n';
    expect(parseProcfile(text)).toEqual([
      { type: 'web', command: 'gunicorn hello:app --log-file -', line: 2 },
      { type: 'worker', command: 'celery -A tasks worker', line: 4 },
      { type: 'clock', command: 'python3 clock.py', line: 5 },
    ]);
  });

  it('keeps colons and $PORT in the command as written', () => {
    expect(parseProcfile('web: gunicorn -b 0.0.0.0:$PORT app:app')[0]?.command).toBe('gunicorn -b 0.0.0.0:$PORT app:app');
  });

  it('reports every bad line at once, with its line number and PROCFILE_INVALID', () => {
    const err = catchPaasError(() => parseProcfile('web gunicorn app:app\nWeb-UI: node ui.js\nworker:\nweb: a\nweb: b\nvery_long_process_type_name: x\n'));
    expect(err.code).toBe('PROCFILE_INVALID');
    expect(err.message).toBe('Procfile:1: expected "TYPE: command" (e.g. web: gunicorn app:app), got "web gunicorn app:app" (and 4 more problems)');
    expect(err.problems).toEqual([
      { path: 'Procfile:1', message: 'expected "TYPE: command" (e.g. web: gunicorn app:app), got "web gunicorn app:app"' },
      { path: 'Procfile:2', message: 'process type "Web-UI" cannot be a service name: use 1–16 lowercase letters, digits and _, starting with a letter' },
      { path: 'Procfile:3', message: 'process type "worker" has no command' },
      { path: 'Procfile:5', message: 'process type "web" is already defined on line 4' },
      { path: 'Procfile:6', message: 'process type "very_long_process_type_name" cannot be a service name: use 1–16 lowercase letters, digits and _, starting with a letter' },
    ]);
  });

  it('refuses a Procfile with no process type', () => {
    const err = catchPaasError(() => parseProcfile('# nothing yet\n\n'));
    expect(err.code).toBe('PROCFILE_INVALID');
    expect(err.message).toMatch(/defines no process type/);
  });
});

describe('detectLanguage', () => {
  it('finds each language by its manifest', () => {
    expect(detectLanguage({ 'requirements.txt': '' })?.language).toBe('python');
    expect(detectLanguage({ 'package.json': '{}' })?.language).toBe('nodejs');
    expect(detectLanguage({ Gemfile: '' })?.language).toBe('ruby');
    expect(detectLanguage({ 'composer.json': '{}' })?.language).toBe('php');
    expect(detectLanguage({ 'runtime.txt': 'python-3.11.4' })).toBeUndefined();
  });

  it('follows Heroku\'s order when several manifests are present, and lists the others', () => {
    expect(detectLanguage({ 'requirements.txt': '', 'package.json': '{}' })).toEqual({ language: 'nodejs', manifest: 'package.json', ignored: ['requirements.txt'] });
    expect(detectLanguage({ 'composer.json': '{}', Gemfile: '' })).toEqual({ language: 'ruby', manifest: 'Gemfile', ignored: ['composer.json'] });
  });
});

describe('runtime versions', () => {
  it('reads runtime.txt and .python-version; .python-version wins and says so', () => {
    expect(readPythonVersion({ 'runtime.txt': 'python-3.12.1\n' })).toEqual({ request: { key: 'python_version', version: '3.12.1', source: 'runtime.txt' }, warnings: [] });
    expect(readPythonVersion({ '.python-version': '# pyenv\n3.11\n' })).toEqual({ request: { key: 'python_version', version: '3.11', source: '.python-version' }, warnings: [] });
    const both = readPythonVersion({ '.python-version': '3.10', 'runtime.txt': 'python-3.12.1' });
    expect(both.request).toEqual({ key: 'python_version', version: '3.10', source: '.python-version' });
    expect(both.warnings).toEqual([{ path: 'runtime.txt', message: 'both .python-version and runtime.txt exist; using .python-version and ignoring runtime.txt' }]);
  });

  it('warns about a runtime.txt or .python-version it cannot read', () => {
    expect(readPythonVersion({ 'runtime.txt': 'ruby-3.2' }).warnings[0]?.message).toMatch(/cannot read "ruby-3.2" as a Python version .*Python 3.11 will be used/);
    expect(readPythonVersion({ '.python-version': 'system' }).warnings[0]?.path).toBe('.python-version');
  });

  it('reads engines.node: a range Node.js 18 meets asks for nothing, another one asks for its version', () => {
    const engines = (node: unknown): string => JSON.stringify({ engines: { node } });
    for (const met of ['18', '18.x', '^18.17.0', '~18', '>=16', '>= 14.0.0', '>=16 <21', '18.*']) {
      expect(readNodeVersion(engines(met)), met).toEqual({ warnings: [] });
    }
    expect(readNodeVersion(engines('20.x')).request).toEqual({ key: 'node_version', version: '20', source: 'package.json engines.node' });
    expect(readNodeVersion(engines('>=20')).request?.version).toBe('20');
    expect(readNodeVersion(engines('>=14 <17')).request?.version).toBe('16');
    expect(readNodeVersion(engines('^16 || ^18')).warnings[0]?.message).toMatch(/cannot read "\^16 \|\| \^18" as a Node.js version range; Node.js 18 will be used/);
    expect(readNodeVersion('{"name": "x"}')).toEqual({ warnings: [] });
    expect(readNodeVersion('{ not json').warnings[0]?.message).toMatch(/not valid JSON/);
  });
});

describe('deriveProcfileSpec', () => {
  it('makes web a web service with the port and every other type a worker, in Procfile order', () => {
    const derived = deriveProcfileSpec(FLASK);
    expect(derived.spec.file).toBe('Procfile');
    expect(Object.keys(derived.spec.services)).toEqual(['web', 'worker']);
    const web = derived.spec.services.web as CodeService;
    const worker = derived.spec.services.worker as CodeService;
    expect(web).toMatchObject({ type: 'python', process: 'gunicorn hello:app', ports: { www: 'http' }, isWorker: false, instances: 1 });
    expect(worker).toMatchObject({ type: 'python-worker', process: 'celery -A tasks worker', ports: {}, isWorker: true });
    expect(derived.warnings).toEqual([]);
    expect(derived.yaml).toBe(`# Derived from Procfile (language from requirements.txt); a paas.yml would take precedence.
web:
  type: python
  process: gunicorn hello:app
worker:
  type: python-worker
  process: celery -A tasks worker
`);
  });

  it('derives each language\'s types', () => {
    const node = deriveProcfileSpec({ Procfile: 'web: node index.js\nqueue: node queue.js', 'package.json': '{"engines":{"node":"18.x"}}' });
    expect(Object.values(node.spec.services).map((s) => s.type)).toEqual(['nodejs', 'nodejs-worker']);
    for (const [manifest, type] of [['Gemfile', 'ruby'], ['composer.json', 'php']] as const) {
      const types = Object.values(deriveProcfileSpec({ Procfile: 'web: x\nworker: y', [manifest]: '{}' }).spec.services).map((s) => s.type);
      expect(types).toEqual([type, `${type}-worker`]);
    }
  });

  it('passes a version asked for to the spec: a warning naming the file, or VERSION_UNSUPPORTED with --strict', () => {
    const files = { ...FLASK, 'runtime.txt': 'python-3.12.1' };
    const derived = deriveProcfileSpec(files);
    expect((derived.spec.services.web as CodeService).config).toEqual({ python_version: '3.12.1' });
    expect(derived.warnings).toEqual([{ path: 'runtime.txt', message: 'Python 3.12.1 is not available; Python 3.11 will be used instead' }]);
    expect(derived.yaml).toContain('version from runtime.txt');
    expect(catchPaasError(() => deriveProcfileSpec(files, { strict: true })).code).toBe('VERSION_UNSUPPORTED');
    expect(deriveProcfileSpec({ ...FLASK, '.python-version': '3.11.4' }).warnings).toEqual([]);
    const node = deriveProcfileSpec({ Procfile: 'web: node index.js', 'package.json': '{"engines":{"node":">=20"}}' });
    expect(node.warnings).toEqual([{ path: 'package.json engines.node', message: 'Node.js 20 is not available; Node.js 18 will be used instead' }]);
  });

  it('does not make Heroku\'s release phase a service, and says so', () => {
    const derived = deriveProcfileSpec({ ...FLASK, Procfile: 'release: python3 manage.py migrate\nweb: gunicorn hello:app' });
    expect(Object.keys(derived.spec.services)).toEqual(['web']);
    expect(derived.warnings).toEqual([{ path: 'Procfile:1', message: expect.stringMatching(/^release: Heroku's release phase is not run here/) as unknown as string }]);
    expect(catchPaasError(() => deriveProcfileSpec({ ...FLASK, Procfile: 'release: ./migrate' })).code).toBe('PROCFILE_INVALID');
  });

  it('says which manifest decided when several are present', () => {
    const derived = deriveProcfileSpec({ ...FLASK, 'package.json': '{}' });
    expect(derived.language.language).toBe('nodejs');
    expect(derived.warnings[0]).toEqual({ path: 'package.json', message: 'requirements.txt is also present; the language is taken from package.json (write a paas.yml to choose another)' });
  });

  it('refuses a tree whose language cannot be told, and a bad Procfile, with PROCFILE_INVALID', () => {
    const err = catchPaasError(() => deriveProcfileSpec({ Procfile: 'web: ./server' }));
    expect(err.code).toBe('PROCFILE_INVALID');
    expect(err.message).toBe('Procfile: cannot tell the language: no Gemfile, package.json, requirements.txt, composer.json at the root');
    expect(catchPaasError(() => deriveProcfileSpec({ ...FLASK, Procfile: 'web-1: x' })).problems?.[0]?.path).toBe('Procfile:1');
  });
});

describe('chooseSpecSource', () => {
  it('reads the Procfile only when there is no paas.yml or dotcloud.yml, and says when it is ignored', () => {
    expect(chooseSpecSource(['Procfile', 'hello.py'])).toEqual({ file: 'Procfile' });
    expect(chooseSpecSource(['paas.yml', 'Procfile'])).toEqual({ file: 'paas.yml', warning: 'both paas.yml and a Procfile exist; using paas.yml and ignoring the Procfile' });
    expect(chooseSpecSource(['dotcloud.yml', 'Procfile']).file).toBe('dotcloud.yml');
    expect(chooseSpecSource(['paas.yml', 'dotcloud.yml', 'Procfile']).warning).toBe('both paas.yml and dotcloud.yml exist; using paas.yml and ignoring dotcloud.yml; the Procfile is ignored too');
    expect(chooseSpecSource(['paas.yml'])).toEqual({ file: 'paas.yml' });
    const none = catchPaasError(() => chooseSpecSource(['app.py']));
    expect(none.code).toBe('SPEC_NOT_FOUND');
    expect(none.message).toBe('no paas.yml, dotcloud.yml or Procfile at the root of the directory');
  });
});
