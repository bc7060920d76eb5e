import { describe, expect, it } from 'vitest';
import { appDetail, cliEnv, fakeApi } from './helpers/fake-api.js';
import { runCli } from './helpers/run-cli.js';
import { tempDir } from './helpers/temp.js';

const web = appDetail('blog', 'www:\n  type: static\n');
const workers = appDetail('jobs', 'worker:\n  type: python-worker\ndb:\n  type: postgresql\n');
const fresh = appDetail('later', null);

describe('paas url and info for apps with and without a web service', () => {
  it('url prints the URL of an app with a web service, and of one not pushed yet', async () => {
    const api = await fakeApi([web, fresh]);
    const home = await tempDir();
    expect(await runCli(['url', '-a', 'blog'], { env: cliEnv(home, api.url) })).toEqual({ code: 0, stdout: 'http://blog.localhost:8080\n', stderr: '' });
    expect((await runCli(['url', '-a', 'later'], { env: cliEnv(home, api.url) })).stdout).toBe('http://later.localhost:8080\n');
  });

  it('url fails with NO_WEB_SERVICE (exit 4) for a workers-only app, printing no URL', async () => {
    const api = await fakeApi([workers]);
    const r = await runCli(['url', '-a', 'jobs'], { env: cliEnv(await tempDir(), api.url) });
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      ' !     jobs has no web service (release v3 runs only workers), so no URL answers\n' +
        '       hint: add a service with an http port to paas.yml and push; paas info shows the running instances\n',
    );
  });

  it('info shows no URL for a workers-only app; --json stays the API answer', async () => {
    const api = await fakeApi([workers]);
    const home = await tempDir();
    const info = await runCli(['info', '-a', 'jobs'], { env: cliEnv(home, api.url) });
    expect(info.code).toBe(0);
    expect(info.stdout).toMatch(/^URL: +\(none: no web service\)$/m);
    const json = await runCli(['info', '-a', 'jobs', '--json'], { env: cliEnv(home, api.url) });
    expect(JSON.parse(json.stdout)).toMatchObject({ name: 'jobs', url: 'http://jobs.localhost:8080' });
  });
});
