import { join } from 'node:path';
import type { PushEvent } from '@paas/core';
import { describe, expect, it } from 'vitest';
import { cliEnv, fakeApi } from './helpers/fake-api.js';
import { apps, linkedTree, live, pushAnswering } from './helpers/push-fixtures.js';
import { runCli } from './helpers/run-cli.js';
import { tempDir } from './helpers/temp.js';

describe('paas push --json (real process)', () => {
  const ndjson = (text: string): unknown[] => text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown);

  it('prints exactly the API events as NDJSON on stdout, and no progress bar', async () => {
    const api = await fakeApi(apps, pushAnswering(live, []));
    const { root } = await linkedTree();
    const r = await runCli(['push', '--json'], { cwd: join(root, 'docs'), env: cliEnv(await tempDir(), api.url) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.endsWith('\n')).toBe(true);
    expect(ndjson(r.stdout)).toEqual(live);
    // Human lines go to stderr; the progress bar's line is not there at all.
    expect(r.stderr).toContain(`-----> Pushing ${root} (linked to blog), not the subfolder docs/\n`);
    expect(r.stderr).toContain('-----> paas.yml: 1 service\n');
    expect(r.stderr).not.toMatch(/Uploaded|Uploading \[/);
  });

  it('a release without a web service ends with a done event without url', async () => {
    const events: PushEvent[] = [{ type: 'done', release: 'v2' }];
    const api = await fakeApi(apps, pushAnswering(events, []));
    const { root } = await linkedTree();
    const r = await runCli(['push', '--json'], { cwd: root, env: cliEnv(await tempDir(), api.url) });
    expect(r.code, r.stderr).toBe(0);
    expect(ndjson(r.stdout)).toEqual(events);
  });

  it('an error event is printed as an event and exits with its catalogue code', async () => {
    const events: PushEvent[] = [
      { type: 'build.step', service: 'www', step: 'Building www (static)' },
      { type: 'error', error: { code: 'BUILD_FAILED', message: 'Step 2/5 failed: exit 100' }, logs: ['E: Unable to locate package nope'] },
    ];
    const api = await fakeApi(apps, pushAnswering(events, []));
    const { root } = await linkedTree();
    const r = await runCli(['push', '--json'], { cwd: root, env: cliEnv(await tempDir(), api.url) });
    expect(r.code).toBe(6);
    expect(ndjson(r.stdout)).toEqual(events);
    expect(r.stderr).toContain(' !     Step 2/5 failed: exit 100\n       last log lines:\n       | E: Unable to locate package nope\n');
  });

  it('an error before the stream (409) prints nothing on stdout and keeps its exit code', async () => {
    const api = await fakeApi(apps, (_req, res) => {
      res.writeHead(409, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 'DEPLOY_LOCKED', message: 'another push of blog is in progress' }));
    });
    const { root } = await linkedTree();
    const r = await runCli(['push', '--json'], { cwd: root, env: cliEnv(await tempDir(), api.url) });
    expect(r.code).toBe(5);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(' !     another push of blog is in progress\n');
  });

  it('a stream cut before done exits 9 after the events it got', async () => {
    const api = await fakeApi(apps, (req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        res.write(`${JSON.stringify(live[1])}\n`);
        setTimeout(() => res.socket?.destroy(), 50);
      });
    });
    const { root } = await linkedTree();
    const r = await runCli(['push', '--json'], { cwd: root, env: cliEnv(await tempDir(), api.url) });
    expect(r.code).toBe(9);
    expect(ndjson(r.stdout)).toEqual([live[1]]);
    expect(r.stderr).toContain(' !     the connection to the API was lost\n');
  });
});
