import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';
import { tempDir } from './helpers/temp.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

describe('paas validate (real process)', () => {
  it('summarises a valid paas.yml, one line per service, exit 0', async () => {
    const r = await runCli(['validate', join(fixtures, 'valid')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('-----> paas.yml: 3 services');
    expect(lines.slice(1).map((l) => l.match(/^ {7}(\w+): /)?.[1])).toEqual(['www', 'worker', 'db']);
    expect(lines[1]).toContain('python');
    expect(lines[1]).toContain('2 instances');
  });

  it('names each invalid path and exits 3', async () => {
    const r = await runCli(['validate', join(fixtures, 'invalid')]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^ ! {5}\S/);
    expect(r.stderr).toMatch(/^ {7}www\.ports\.web: .*https/m);
    expect(r.stderr).toMatch(/^ {7}www\.instances: /m);
  });

  it('warns when both spec files exist and reads paas.yml, and warns about unknown dotcloud keys', async () => {
    const both = await runCli(['validate', join(fixtures, 'dotcloud')]);
    expect(both.code).toBe(0);
    expect(both.stdout).toMatch(/^-----> paas\.yml: 1 service\n/);
    expect(both.stderr).toMatch(/^ ! {5}warning: .*dotcloud\.yml/);
  });

  it('prints the parsed spec with --json', async () => {
    const r = await runCli(['validate', '--json', join(fixtures, 'valid')]);
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.stdout) as { valid: boolean; file: string; spec: { services: Record<string, unknown> } };
    expect(parsed.valid).toBe(true);
    expect(parsed.file).toBe('paas.yml');
    expect(Object.keys(parsed.spec.services)).toEqual(['www', 'worker', 'db']);
  });

  it('says SPEC_NOT_FOUND (exit 3) in a directory without a spec', async () => {
    const r = await runCli(['validate', await tempDir()]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^ ! {5}no paas\.yml, dotcloud\.yml or Procfile/);
  });

  it('exits 2 on a usage error, never 0', async () => {
    const r = await runCli(['validate', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--bogus'");
  });
});
