import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appDetail, cliEnv, fakeApi } from './helpers/fake-api.js';
import { runCli } from './helpers/run-cli.js';
import { tempDir } from './helpers/temp.js';

const blog = appDetail('blog', 'www:\n  type: static\n');
const notes = appDetail('notes', null);
const readLinkFile = async (dir: string): Promise<unknown> => JSON.parse(await readFile(join(dir, '.paas', 'app.json'), 'utf8'));

describe('paas link NAME [DIR] (real process)', () => {
  it('links the current directory to an existing app and says where', async () => {
    const api = await fakeApi([blog]);
    const dir = await tempDir();
    const r = await runCli(['link', 'blog'], { cwd: dir, env: cliEnv(await tempDir(), api.url) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(api.seen).toEqual([{ method: 'GET', url: '/v1/apps/blog' }]);
    expect(await readLinkFile(dir)).toEqual({ app: 'blog' });
    expect(r.stdout).toBe(
      `-----> Linked ${dir} to blog\n` +
        `       wrote ${join(dir, '.paas', 'app.json')}\n` +
        `       paas push in ${dir} or any folder below it deploys blog\n`,
    );
  });

  it('links DIR relative to the current directory, and says which app it replaces', async () => {
    const api = await fakeApi([blog, notes]);
    const cwd = await tempDir();
    const home = await tempDir();
    await mkdir(join(cwd, 'site'));
    expect((await runCli(['link', 'notes', 'site'], { cwd, env: cliEnv(home, api.url) })).code).toBe(0);
    const again = await runCli(['link', 'blog', 'site'], { cwd, env: cliEnv(home, api.url) });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`-----> Linked ${join(cwd, 'site')} to blog\n       it was linked to notes\n`);
    expect(await readLinkFile(join(cwd, 'site'))).toEqual({ app: 'blog' });
    // Commands below the linked directory now use the app.
    await mkdir(join(cwd, 'site', 'sub'));
    expect((await runCli(['url'], { cwd: join(cwd, 'site', 'sub'), env: cliEnv(home, api.url) })).stdout).toBe('http://blog.localhost:8080\n');
  });

  it('refuses an app that does not exist: APP_NOT_FOUND, exit 4, nothing written', async () => {
    const api = await fakeApi([blog]);
    const dir = await tempDir();
    const r = await runCli(['link', 'nope'], { cwd: dir, env: cliEnv(await tempDir(), api.url) });
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(' !     no app named nope\n');
    await expect(stat(join(dir, '.paas'))).rejects.toThrow();
  });

  it('refuses an invalid name before any request, and a DIR that is not a directory', async () => {
    const api = await fakeApi([blog]);
    const dir = await tempDir();
    const home = await tempDir();
    const bad = await runCli(['link', 'Bad_Name'], { cwd: dir, env: cliEnv(home, api.url) });
    expect(bad.code).toBe(3);
    await writeFile(join(dir, 'file.txt'), '');
    const notDir = await runCli(['link', 'blog', 'file.txt'], { cwd: dir, env: cliEnv(home, api.url) });
    expect(notDir.code).toBe(2);
    expect(notDir.stderr).toContain(`${join(dir, 'file.txt')} is not a directory`);
    expect(api.seen).toEqual([]);
    await expect(stat(join(dir, '.paas'))).rejects.toThrow();
  });
});
