import { mkdir, writeFile } from 'node:fs/promises';
import type http from 'node:http';
import { join } from 'node:path';
import type { PushEvent } from '@paas/core';
import { describe, expect, it } from 'vitest';
import { appDetail, cliEnv, fakeApi } from './helpers/fake-api.js';
import { runCli } from './helpers/run-cli.js';
import { tempDir } from './helpers/temp.js';
import { untar } from './helpers/untar.js';

const apps = [appDetail('blog', null), appDetail('other', null)];

/** A push endpoint that records what was uploaded to which URL, then streams `events`. */
function pushAnswering(events: PushEvent[], uploads: { url: string; names: string[] }[]) {
  return async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const entries = await untar(req);
    uploads.push({ url: req.url ?? '', names: entries.map((e) => e.name) });
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    for (const e of events) res.write(`${JSON.stringify(e)}\n`);
    res.end();
  };
}

const live: PushEvent[] = [
  { type: 'push.accepted', push: 'p1', build: 'b1', bytes: 40, files: 3 },
  { type: 'build.step', service: 'www', step: 'Building www (static)' },
  { type: 'log', service: 'www', line: 'Step 1/2 : FROM paas/stack:bookworm' },
  { type: 'deploy.switch', service: 'www', release: 'v1', targets: 1 },
  { type: 'done', release: 'v1', url: 'http://blog.localhost:8080' },
];

/** root/ linked to blog, with paas.yml and index.html; root/docs/guide/ below it with its own file. */
async function linkedTree(): Promise<{ root: string; sub: string }> {
  const root = join(await tempDir(), 'site');
  const sub = join(root, 'docs', 'guide');
  await mkdir(sub, { recursive: true });
  await mkdir(join(root, '.paas'));
  await writeFile(join(root, '.paas', 'app.json'), '{"app":"blog"}\n');
  await writeFile(join(root, 'paas.yml'), 'www:\n  type: static\n');
  await writeFile(join(root, 'index.html'), '<h1>hi</h1>\n');
  await writeFile(join(sub, 'page.md'), '# guide\n');
  return { root, sub };
}

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
