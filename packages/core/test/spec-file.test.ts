import { describe, expect, it } from 'vitest';
import { SPEC_FILES, chooseSpecFile, describeService } from '../src/spec/index.js';
import { catchPaasError, codeDefaults } from './helpers.js';

describe('chooseSpecFile', () => {
  it('lists the file names in order of preference', () => {
    expect(SPEC_FILES).toEqual(['paas.yml', 'dotcloud.yml']);
  });

  it('takes the one present', () => {
    expect(chooseSpecFile(['README.md', 'paas.yml'])).toEqual({ file: 'paas.yml' });
    expect(chooseSpecFile(['dotcloud.yml', 'src'])).toEqual({ file: 'dotcloud.yml' });
  });

  it('prefers paas.yml and warns when both exist', () => {
    expect(chooseSpecFile(['dotcloud.yml', 'paas.yml'])).toEqual({
      file: 'paas.yml',
      warning: 'both paas.yml and dotcloud.yml exist; using paas.yml and ignoring dotcloud.yml',
    });
  });

  it('throws SPEC_NOT_FOUND, pointing at a .yaml spelling', () => {
    const none = catchPaasError(() => chooseSpecFile(['app.py']));
    expect(none.code).toBe('SPEC_NOT_FOUND');
    expect(none.hint).toBe('create a paas.yml describing your services (see docs/spec.md)');
    expect(catchPaasError(() => chooseSpecFile(['paas.yaml'])).hint).toBe('rename paas.yaml to paas.yml');
  });
});

describe('describeService', () => {
  it('says a custom service without http port is a worker, and counts one package', () => {
    expect(
      describeService({
        ...codeDefaults,
        systempackages: ['memcached'],
        name: 'cache',
        type: 'custom',
        isWorker: true,
        ports: { MC: 'tcp' },
        process: '~/run',
      }),
    ).toBe('cache: custom, 1 instance, ports MC/tcp, worker, 1 system package');
  });

  it('names the approot of a data service', () => {
    expect(describeService({ kind: 'data', name: 'dbwrite', type: 'mysql', config: {}, approot: 'db' })).toBe('dbwrite: mysql, data, approot db');
  });
});
