import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PaasError } from '@paas/core';
import { readSpec } from '../src/push/read-spec.js';

const dirs: string[] = [];
async function pushed(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'read-spec-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const HEROKU = { Procfile: 'web: gunicorn hello:app\nworker: python3 worker.py\n', 'requirements.txt': 'Flask\n' };

describe('readSpec on a pushed tree', () => {
  it('derives the services of a Procfile app with no paas.yml', async () => {
    const parsed = await readSpec(await pushed(HEROKU), { strict: false });
    expect(parsed.spec.file).toBe('Procfile');
    expect(Object.entries(parsed.spec.services).map(([name, s]) => `${name} ${s.type}`)).toEqual(['web python', 'worker python-worker']);
  });

  it('reads paas.yml when a Procfile sits beside it, with a warning', async () => {
    const parsed = await readSpec(await pushed({ ...HEROKU, 'paas.yml': 'www:\n  type: python\n  process: python3 app.py\n' }), { strict: false });
    expect(Object.keys(parsed.spec.services)).toEqual(['www']);
    expect(parsed.warnings).toEqual([{ path: 'paas.yml', message: 'both paas.yml and a Procfile exist; using paas.yml and ignoring the Procfile' }]);
  });

  it('honours --strict for a version asked in runtime.txt', async () => {
    const dir = await pushed({ ...HEROKU, 'runtime.txt': 'python-3.9.18' });
    await expect(readSpec(dir, { strict: true })).rejects.toMatchObject({ code: 'VERSION_UNSUPPORTED' });
    expect((await readSpec(dir, { strict: false })).warnings.map((w) => w.path)).toEqual(['runtime.txt']);
  });

  it('refuses a Procfile that is not a regular file, and a tree with neither', async () => {
    const dir = await pushed({ 'requirements.txt': 'Flask\n' });
    await mkdir(join(dir, 'Procfile'));
    await expect(readSpec(dir, { strict: false })).rejects.toMatchObject({ code: 'SPEC_INVALID', message: 'Procfile is not a regular file' });
    const none = await readSpec(await pushed({ 'app.py': '' }), { strict: false }).catch((err: unknown) => err);
    expect(none).toBeInstanceOf(PaasError);
    expect((none as PaasError).message).toBe('the pushed directory has no paas.yml, dotcloud.yml or Procfile at its root');
  });
});
