import { describe, expect, it } from 'vitest';
import { specErrorOf } from './helpers.js';

const www = (lines: string): string => `www:\n  type: python\n${lines}`;

describe('service names in a spec (reliability 2)', () => {
  it.each([
    ['web;x', '"web;x"'],
    ['../w', '"../w"'],
    ['WEB', 'WEB'],
    ['a'.repeat(17), 'a'.repeat(17)],
  ])('refuses %j at its path', (name, path) => {
    const err = specErrorOf(`${JSON.stringify(name)}:\n  type: redis\n`);
    expect(err.code).toBe('SPEC_INVALID');
    expect(err.status).toBe(400);
    expect(err.problems).toEqual([{ path, message: `invalid service name ${JSON.stringify(name)}: use 1–16 lowercase letters, digits and _, starting with a letter` }]);
  });
});

describe('unknown key, wrong type, duplicate key, custom tag, several documents (reliability 11)', () => {
  it('unknown key', () => {
    const err = specErrorOf(www('  procces: ./run\n'));
    expect(err.problems?.[0]?.path).toBe('www.procces');
    expect(err.problems?.[0]?.message).toMatch(/^unknown key "procces" \(did you mean "process"\?\); a code service takes type, approot, /);
  });

  it('wrong type, with the offending value in the message', () => {
    expect(specErrorOf(www('  ports: {web: https}\n')).problems).toEqual([{ path: 'www.ports.web', message: 'expected one of http, tcp, udp, got "https" (did you mean "http"?)' }]);
    expect(specErrorOf(www('  systempackages: libxml2-dev\n')).problems).toEqual([{ path: 'www.systempackages', message: 'expected a list, got "libxml2-dev"' }]);
    expect(specErrorOf(www('  environment: [A]\n')).problems).toEqual([{ path: 'www.environment', message: 'expected a map, got a list' }]);
    expect(specErrorOf(www('  process: {a: b}\n')).problems).toEqual([{ path: 'www.process', message: 'expected a command string, got a map' }]);
  });

  it('duplicate key, nested, with both lines', () => {
    const err = specErrorOf(www('  ports:\n    www: http\n    www: tcp\n'));
    expect(err.code).toBe('SPEC_INVALID');
    expect(err.problems).toEqual([{ path: 'www.ports.www', message: 'duplicate key "www" (line 5; first at line 4)' }]);
  });

  it('duplicate service', () => {
    expect(specErrorOf('db: redis\ndb: mysql\n').problems).toEqual([{ path: 'db', message: 'duplicate key "db" (line 2; first at line 1)' }]);
  });

  it.each([
    ['!!python/object/apply:os.system ["id"]', '!!python/object/apply:os.system'],
    ['!foo x', '!foo'],
    ['!!binary aGk=', '!!binary'],
  ])('custom tag %s', (value, tag) => {
    const err = specErrorOf(www(`  process: ${value}\n`));
    expect(err.problems).toEqual([{ path: 'www.process', message: `custom YAML tag ${tag} is not allowed (line 3); write plain values` }]);
  });

  it('a core tag is fine', () => {
    expect(specErrorOf(www('  instances: !!str 2\n')).problems).toEqual([{ path: 'www.instances', message: 'expected a whole number from 0 to 64, got "2"' }]);
  });

  it('several documents', () => {
    const err = specErrorOf('www: {type: python}\n---\ndb: redis\n');
    expect(err.problems).toEqual([{ path: '', message: 'line 2: the file holds 2 YAML documents; keep only the first (remove the --- separators)' }]);
  });

  it('keys that are maps or lists', () => {
    expect(specErrorOf('? [a, b]\n: redis\n').problems).toEqual([{ path: '', message: 'keys must be plain strings, not lists, maps or aliases (line 1)' }]);
  });

  it('lists every problem at once, in file order, and summarises the first', () => {
    const err = specErrorOf(www('  ports: {web: https}\n  instances: 65\n  approot: /srv\nbad;name: redis\n'));
    expect(err.problems?.map((p) => p.path)).toEqual(['www.approot', 'www.ports.web', 'www.instances', '"bad;name"']);
    expect(err.message).toBe('paas.yml: www.approot: must be relative to the pushed tree, got the absolute path "/srv" (and 3 more problems)');
    expect(err.path).toBe('www.approot');
    expect(err.hint).toBe('fix the listed paths; docs/spec.md lists every key paas.yml accepts');
  });
});

describe('systempackages (reliability 12)', () => {
  it.each(['-oAPT::Update::Pre-Invoke::=x', '--allow-unauthenticated', 'a;b', 'a b', '$(x)', '../x', 'Libxml', 'x', 'a=', 'a=-1', ''])('refuses %j at its index', (pkg) => {
    const err = specErrorOf(www(`  systempackages: [libxml2-dev, ${JSON.stringify(pkg)}]\n`));
    expect(err.code).toBe('SPEC_INVALID');
    expect(err.problems).toEqual([
      { path: 'www.systempackages[1]', message: `${JSON.stringify(pkg)} is not a Debian package name (lowercase letters, digits, + . -, starting with a letter or digit, optionally =version)` },
    ]);
  });

  it('refuses an entry that is not a string', () => {
    expect(specErrorOf(www('  systempackages: [[a]]\n')).problems).toEqual([{ path: 'www.systempackages[0]', message: 'expected a Debian package name, got a list' }]);
  });
});

describe('approot (reliability 13)', () => {
  it.each([
    ['../..', '"../.." leaves the pushed tree; paths must stay inside it'],
    ['..', '".." leaves the pushed tree; paths must stay inside it'],
    ['web/../../x', '"web/../../x" leaves the pushed tree; paths must stay inside it'],
    ['/srv/app', 'must be relative to the pushed tree, got the absolute path "/srv/app"'],
    ['~/app', 'must be relative to the pushed tree, got the absolute path "~/app"'],
    ['web\\app', 'use / to separate folders, got "web\\\\app"'],
    ['', 'expected a relative path, got an empty string'],
  ])('refuses %j', (approot, message) => {
    expect(specErrorOf(www(`  approot: ${JSON.stringify(approot)}\n`)).problems).toEqual([{ path: 'www.approot', message }]);
  });

  it('refuses it on a data service too', () => {
    expect(specErrorOf('db:\n  type: mysql\n  approot: ../db\n', 'dotcloud.yml').problems).toEqual([{ path: 'db.approot', message: '"../db" leaves the pushed tree; paths must stay inside it' }]);
  });
});
