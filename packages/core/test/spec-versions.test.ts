import { describe, expect, it } from 'vitest';
import { normaliseVersion, parseSpec } from '../src/spec/index.js';
import { specErrorOf } from './helpers.js';

describe('normaliseVersion', () => {
  it.each([
    ['v2.7', '2.7'],
    ['V2.7', '2.7'],
    ['v0.8.x', '0.8'],
    ['v5.16.x', '5.16'],
    ['3.11.*', '3.11'],
    ['18', '18'],
    [' 3.11.4 ', '3.11.4'],
  ])('%j → %j', (raw, version) => {
    expect(normaliseVersion(raw)).toBe(version);
  });

  it.each(['latest', 'x', 'v', '3.11rc1', '', '3..1'])('%j is not a version', (raw) => {
    expect(normaliseVersion(raw)).toBeUndefined();
  });
});

const py = (version: string): string => `www:\n  type: python\n  config:\n    python_version: ${version}\n`;

describe('provided versions', () => {
  it.each(['"3.11"', '3.11', 'v3.11.x', '3', '3.11.4'])('python_version %s is provided: no warning', (version) => {
    expect(parseSpec(py(version), { file: 'paas.yml' }).warnings).toEqual([]);
  });

  it('keeps the version as written, not as a float (3.10 is not 3.1)', () => {
    const { spec, warnings } = parseSpec(py('3.10'), { file: 'paas.yml' });
    expect(spec.services.www?.config).toEqual({ python_version: '3.10' });
    expect(warnings).toEqual([{ path: 'www.config.python_version', message: 'Python 3.10 is not available; Python 3.11 will be used instead' }]);
  });

  it.each([
    ['v18.17.1', []],
    ['v20', [{ path: 'api.config.node_version', message: 'Node.js 20 is not available; Node.js 18 will be used instead' }]],
  ])('node_version %s', (version, warnings) => {
    expect(parseSpec(`api:\n  type: nodejs\n  config: {node_version: ${version}}\n`, { file: 'paas.yml' }).warnings).toEqual(warnings);
  });

  it('with strict, every unavailable version is listed as VERSION_UNSUPPORTED', () => {
    const err = specErrorOf(`${py('v2.7')}api:\n  type: nodejs\n  node_version: v0.8.x\n`, 'paas.yml', true);
    expect(err.code).toBe('VERSION_UNSUPPORTED');
    expect(err.problems).toEqual([
      { path: 'www.config.python_version', message: 'Python 2.7 is not available; this platform provides Python 3.11' },
      { path: 'api.node_version', message: 'Node.js 0.8 is not available; this platform provides Node.js 18' },
    ]);
    expect(err.hint).toBe('request the version the platform provides, or push without --strict to accept it');
  });

  it('a version that is not one is an error, strict or not', () => {
    expect(specErrorOf(py('latest')).problems).toEqual([{ path: 'www.config.python_version', message: 'expected a version like "3.11", "v2.7" or "v0.8.x", got "latest"' }]);
    expect(specErrorOf(py('true')).problems).toEqual([{ path: 'www.config.python_version', message: 'expected a version like "3.11", "v2.7" or "v0.8.x", got true' }]);
  });
});
