import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliEnv, fakeApi } from './helpers/fake-api.js';
import { apps, linkedTree, live, pushAnswering } from './helpers/push-fixtures.js';
import { runCli } from './helpers/run-cli.js';
import { tempDir } from './helpers/temp.js';

describe('paas push from a subfolder of a linked directory (real process)', () => {
  it('pushes the linked root, and says so', async () => {
    const uploads: { url: string; names: string[] }[] = [];
    const api = await fakeApi(apps, pushAnswering(live, uploads));
    const { root, sub } = await linkedTree();
    const r = await runCli(['push'], { cwd: sub, env: cliEnv(await tempDir(), api.url) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`-----> Pushing ${root} (linked to blog), not the subfolder docs/guide/`);
    expect(uploads).toEqual([{ url: '/v1/apps/blog/pushes', names: ['docs/', 'docs/guide/', 'docs/guide/page.md', 'index.html', 'paas.yml'] }]);
  });

  it('from the root itself says nothing about a subfolder', async () => {
    const uploads: { url: string; names: string[] }[] = [];
    const api = await fakeApi(apps, pushAnswering(live, uploads));
    const { root } = await linkedTree();
    const r = await runCli(['push'], { cwd: root, env: cliEnv(await tempDir(), api.url) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('Pushing');
    expect(uploads.map((u) => u.url)).toEqual(['/v1/apps/blog/pushes']);
  });

  it('an explicit DIR is pushed as given, to the app of its link', async () => {
    const uploads: { url: string; names: string[] }[] = [];
    const api = await fakeApi(apps, pushAnswering(live, uploads));
    const { sub } = await linkedTree();
    await writeFile(join(sub, 'paas.yml'), 'www:\n  type: static\n');
    const r = await runCli(['push', '.'], { cwd: sub, env: cliEnv(await tempDir(), api.url) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('Pushing');
    expect(uploads).toEqual([{ url: '/v1/apps/blog/pushes', names: ['paas.yml', 'page.md'] }]);
  });

  it('--app naming another app than the link pushes the current directory', async () => {
    const uploads: { url: string; names: string[] }[] = [];
    const api = await fakeApi(apps, pushAnswering(live, uploads));
    const { sub } = await linkedTree();
    await writeFile(join(sub, 'paas.yml'), 'www:\n  type: static\n');
    const r = await runCli(['push', '-a', 'other'], { cwd: sub, env: cliEnv(await tempDir(), api.url) });
    expect(r.code, r.stderr).toBe(0);
    expect(uploads).toEqual([{ url: '/v1/apps/other/pushes', names: ['paas.yml', 'page.md'] }]);
  });
});
