import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';
import { tempDir } from './helpers/temp.js';

async function tree(files: Record<string, string>): Promise<string> {
  const dir = await tempDir();
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

const HEROKU = { Procfile: 'web: gunicorn hello:app\nworker: celery -A tasks worker\n', 'requirements.txt': 'Flask\ngunicorn\n' };

describe('paas validate on a Procfile app (real process)', () => {
  it('summarises the derived services, then prints the paas.yml it stands for', async () => {
    const r = await runCli(['validate', await tree({ ...HEROKU, 'runtime.txt': 'python-3.12.2\n' })]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`-----> Procfile (no paas.yml; a Heroku-style app): 2 services
       web: python, 1 instance, ports www/http
       worker: python-worker, 1 instance, no ports
=== The paas.yml derived from the Procfile:
  # Derived from Procfile (language from requirements.txt, version from runtime.txt); a paas.yml would take precedence.
  web:
    type: python
    process: gunicorn hello:app
    config:
      python_version: 3.12.2
  worker:
    type: python-worker
    process: celery -A tasks worker
    config:
      python_version: 3.12.2
`);
    expect(r.stderr).toMatch(/warning: runtime\.txt: Python 3\.12\.2 is not available; Python 3\.11 will be used instead\n$/);
    const strict = await runCli(['validate', '--strict', await tree({ ...HEROKU, 'runtime.txt': 'python-3.12.2\n' })]);
    expect(strict.code).toBe(3);
    expect(strict.stderr).toContain('Python 3.12.2 is not available');
  });

  it('--json carries the derived text', async () => {
    const r = await runCli(['validate', '--json', await tree(HEROKU)]);
    const parsed = JSON.parse(r.stdout) as { file: string; derived: string; spec: { services: Record<string, { type: string }> } };
    expect(parsed.file).toBe('Procfile');
    expect(parsed.spec.services.worker?.type).toBe('python-worker');
    expect(parsed.derived).toContain('process: celery -A tasks worker');
  });

  it('reads paas.yml when both exist, and says the Procfile is ignored', async () => {
    const r = await runCli(['validate', await tree({ ...HEROKU, 'paas.yml': 'www:\n  type: python\n  process: python3 app.py\n' })]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^-----> paas\.yml: 1 service\n {7}www: python/);
    expect(r.stdout).not.toContain('derived');
    expect(r.stderr).toContain('warning: both paas.yml and a Procfile exist; using paas.yml and ignoring the Procfile');
  });

  it('refuses bad lines with PROCFILE_INVALID, exit 3, each with its line number', async () => {
    const r = await runCli(['validate', await tree({ ...HEROKU, Procfile: 'web: gunicorn hello:app\nclock-2: python3 clock.py\njust a line\n' })]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^ ! {5}The Procfile of an app without paas\.yml cannot be read as services \(2 problems\):\n/);
    expect(r.stderr).toMatch(/^ {7}Procfile:2: process type "clock-2" cannot be a service name/m);
    expect(r.stderr).toMatch(/^ {7}Procfile:3: expected "TYPE: command"/m);
    const json = await runCli(['validate', '--json', await tree({ Procfile: 'web: ./run' })]);
    expect(JSON.parse(json.stdout)).toMatchObject({ valid: false, code: 'PROCFILE_INVALID' });
  });
});
