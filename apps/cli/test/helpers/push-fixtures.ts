import { mkdir, writeFile } from 'node:fs/promises';
import type http from 'node:http';
import { join } from 'node:path';
import type { PushEvent } from '@paas/core';
import { appDetail } from './fake-api.js';
import { tempDir } from './temp.js';
import { untar } from './untar.js';

/** The apps the fake API knows, never pushed. */
export const apps = [appDetail('blog', null), appDetail('other', null)];

/** A push endpoint that records what was uploaded to which URL, then streams `events`. */
export function pushAnswering(events: PushEvent[], uploads: { url: string; names: string[] }[]) {
  return async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const entries = await untar(req);
    uploads.push({ url: req.url ?? '', names: entries.map((e) => e.name) });
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    for (const e of events) res.write(`${JSON.stringify(e)}\n`);
    res.end();
  };
}

export const live: PushEvent[] = [
  { type: 'push.accepted', push: 'p1', build: 'b1', bytes: 40, files: 3 },
  { type: 'build.step', service: 'www', step: 'Building www (static)' },
  { type: 'log', service: 'www', line: 'Step 1/2 : FROM paas/stack:bookworm' },
  { type: 'deploy.switch', service: 'www', release: 'v1', targets: 1 },
  { type: 'done', release: 'v1', url: 'http://blog.localhost:8080' },
];

/** root/ linked to blog, with paas.yml and index.html; root/docs/guide/ below it with its own file. */
export async function linkedTree(): Promise<{ root: string; sub: string }> {
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
