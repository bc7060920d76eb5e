import { describe, expect, it } from 'vitest';
import { closestName, didYouMean, editDistance } from '../src/suggest.js';
import { CODE_SERVICE_KEYS, parseSpec } from '../src/spec/index.js';
import { specErrorOf } from './helpers.js';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and swaps of neighbours as one edit each', () => {
    expect(editDistance('python', 'python')).toBe(0);
    expect(editDistance('pyhton', 'python')).toBe(1);
    expect(editDistance('proccess', 'process')).toBe(1);
    expect(editDistance('systempackage', 'systempackages')).toBe(1);
    expect(editDistance('htp', 'http')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });
});

describe('closestName', () => {
  it('finds typos, a start of a name, and differences of case or separators', () => {
    expect(closestName('systempackage', CODE_SERVICE_KEYS)).toBe('systempackages');
    expect(closestName('proccess', CODE_SERVICE_KEYS)).toBe('process');
    expect(closestName('post_install', CODE_SERVICE_KEYS)).toBe('postinstall');
    expect(closestName('node', ['python', 'nodejs', 'nodejs-worker'])).toBe('nodejs');
    expect(closestName('Python', ['python', 'nodejs'])).toBe('python');
  });

  it('suggests nothing for a far-off word, an exact name or a blank', () => {
    expect(closestName('exclude_bundler_groups', CODE_SERVICE_KEYS)).toBeUndefined();
    expect(closestName('oracle', ['postgresql', 'mysql', 'redis'])).toBeUndefined();
    expect(closestName('process', CODE_SERVICE_KEYS)).toBeUndefined();
    expect(closestName('  ', CODE_SERVICE_KEYS)).toBeUndefined();
    expect(didYouMean('zzz', ['http', 'tcp', 'udp'])).toBe('');
  });
});

describe('"did you mean" in spec errors', () => {
  const supported = 'python, python-worker, nodejs, nodejs-worker, custom, static, php, php-worker, ruby, ruby-worker, perl, perl-worker, java, postgresql, postgis, mysql, redis, rabbitmq, mongodb';

  it('unknown keys of a code service, in paas.yml (error) and dotcloud.yml (warning)', () => {
    const text = 'www:\n  type: python\n  systempackage: [vim]\n  proccess: python app.py\n';
    expect(specErrorOf(text).problems?.map((p) => p.message.replace(/; a code service takes .*/, ''))).toEqual([
      'unknown key "systempackage" (did you mean "systempackages"?)',
      'unknown key "proccess" (did you mean "process"?)',
    ]);
    expect(parseSpec(text, { file: 'dotcloud.yml' }).warnings).toEqual([
      { path: 'www.systempackage', message: 'unknown key "systempackage" (did you mean "systempackages"?): kept and passed to the build, but paas does not use it' },
      { path: 'www.proccess', message: 'unknown key "proccess" (did you mean "process"?): kept and passed to the build, but paas does not use it' },
    ]);
  });

  it('unknown types', () => {
    const err = specErrorOf('www:\n  type: pyhton\napi:\n  type: node\ndb:\n  type: postgres\n');
    expect(err.code).toBe('SPEC_INVALID');
    expect(err.problems).toEqual([
      { path: 'www.type', message: `"pyhton" is not a service type (did you mean "python"?); valid types: ${supported}` },
      { path: 'api.type', message: `"node" is not a service type (did you mean "nodejs"?); valid types: ${supported}` },
      { path: 'db.type', message: `"postgres" is not a service type (did you mean "postgresql"?); valid types: ${supported}` },
    ]);
  });

  it('port protocols, data-service keys and config keys', () => {
    const err = specErrorOf('www:\n  type: custom\n  ports: {www: htpp, MC: tpc}\ndb:\n  type: mysql\n  confg: {}\n');
    expect(err.problems).toEqual([
      { path: 'www.ports.www', message: 'expected one of http, tcp, udp, got "htpp" (did you mean "http"?)' },
      { path: 'www.ports.MC', message: 'expected one of http, tcp, udp, got "tpc" (did you mean "tcp"?)' },
      { path: 'db.confg', message: 'unknown key "confg" (did you mean "config"?); a data service takes type, config, approot' },
    ]);
    expect(parseSpec('www:\n  type: python\n  config: {static_roots: static}\n', { file: 'paas.yml' }).warnings).toEqual([
      { path: 'www.config.static_roots', message: '"static_roots" is not a config key paas knows for python (did you mean "static_root"?); it is kept and passed to the build' },
    ]);
  });
});
