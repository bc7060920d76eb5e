import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { findOnPath, planOpener, type OpenerInput } from '../src/browser-opener.js';
import { main } from '../src/program.js';
import { Capture } from './helpers/capture.js';
import { appDetail, cliEnv, fakeApi } from './helpers/fake-api.js';
import { runCli } from './helpers/run-cli.js';
import { tempDir } from './helpers/temp.js';

const URL = 'http://blog.localhost:8080';
const onPath = (name: string): string => `/usr/bin/${name}`;
const nowhere = (): undefined => undefined;
const desk: OpenerInput = { platform: 'linux', searchPath: '/usr/bin', hasDisplay: true, isTTY: true };

describe('planOpener', () => {
  it('uses the platform opener found on PATH', () => {
    expect(planOpener(URL, desk, onPath)).toEqual({ argv: ['/usr/bin/xdg-open', URL] });
    expect(planOpener(URL, { ...desk, platform: 'darwin', hasDisplay: false }, onPath)).toEqual({ argv: ['/usr/bin/open', URL] });
    expect(planOpener(URL, { ...desk, platform: 'win32', hasDisplay: false }, onPath)).toEqual({ argv: ['/usr/bin/cmd', '/c', 'start', '""', URL] });
  });

  it('prints the URL instead off a terminal, without a display, or without an opener', () => {
    expect(planOpener(URL, { ...desk, isTTY: false }, onPath)).toEqual({ reason: 'not a terminal' });
    expect(planOpener(URL, { ...desk, hasDisplay: false }, onPath)).toEqual({ reason: 'no display: DISPLAY and WAYLAND_DISPLAY are unset' });
    expect(planOpener(URL, desk, nowhere)).toEqual({ reason: 'xdg-open is not on PATH' });
    expect(planOpener(URL, { ...desk, platform: 'aix' }, onPath)).toEqual({ reason: 'no browser opener known on aix' });
  });
});

describe('findOnPath', () => {
  it('finds the first executable file, skipping non-executables and directories', async () => {
    const [a, b, c] = [await tempDir(), await tempDir(), await tempDir()];
    await writeFile(join(a, 'xdg-open'), '#!/bin/sh\n', { mode: 0o644 });
    await mkdir(join(b, 'xdg-open'));
    await writeFile(join(c, 'xdg-open'), '#!/bin/sh\n', { mode: 0o755 });
    expect(findOnPath('xdg-open', [a, '', b, c].join(':'))).toBe(join(c, 'xdg-open'));
    expect(findOnPath('xdg-open', [a, b].join(':'))).toBeUndefined();
  });
});

describe('paas open', () => {
  it('off a terminal prints only the URL (real process)', async () => {
    const api = await fakeApi([appDetail('blog', 'www:\n  type: static\n')]);
    const r = await runCli(['open', '-a', 'blog'], { env: { ...cliEnv(await tempDir(), api.url), DISPLAY: ':0' } });
    expect(r).toEqual({ code: 0, stdout: `${URL}\n`, stderr: '' });
  });

  it("--dashboard prints the app's page on the API, also for a workers-only app (real process)", async () => {
    const api = await fakeApi([appDetail('jobs', 'worker:\n  type: python-worker\n')]);
    const r = await runCli(['open', '--dashboard', '-a', 'jobs'], { env: cliEnv(await tempDir(), api.url) });
    expect(r).toEqual({ code: 0, stdout: `${new globalThis.URL('/apps/jobs', api.url).toString()}\n`, stderr: '' });
  });

  it('fails with NO_WEB_SERVICE for a workers-only app (real process)', async () => {
    const api = await fakeApi([appDetail('jobs', 'worker:\n  type: python-worker\n')]);
    const r = await runCli(['open', '-a', 'jobs'], { env: cliEnv(await tempDir(), api.url) });
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('jobs has no web service');
  });

  /** Runs `paas open -a blog` in this process with a terminal for stdout. */
  async function openOnTerminal(path: string): Promise<{ code: number; stdout: string; stderr: string }> {
    const api = await fakeApi([appDetail('blog', null)]);
    const [stdout, stderr] = [new Capture(true), new Capture(true)];
    const env = { ...cliEnv(await tempDir(), api.url), PATH: path, DISPLAY: ':0', NO_COLOR: '1' };
    const code = await main(['node', 'paas', 'open', '-a', 'blog'], { stdout, stderr, stdin: process.stdin, env, cwd: await tempDir() });
    return { code, stdout: stdout.text, stderr: stderr.text };
  }

  it('on a terminal starts the opener from PATH with the URL, without waiting for it', async () => {
    const bin = await tempDir();
    const seen = join(bin, 'opened.txt');
    // PATH is only this directory, so the script uses builtins and absolute paths. It sleeps
    // before it writes: paas must have returned long before the "browser" is done.
    const script = `#!/bin/sh\n/bin/sleep 2\necho "$@" > "${seen}"\n`;
    for (const name of ['xdg-open', 'open']) await writeFile(join(bin, name), script, { mode: 0o755 });
    const r = await openOnTerminal(bin);
    expect(r).toEqual({ code: 0, stdout: `-----> Opening ${URL}\n`, stderr: '' });
    expect(await readFile(seen, 'utf8').catch(() => 'not yet')).toBe('not yet');
    let opened = '';
    for (let i = 0; i < 100 && !opened.endsWith('\n'); i++) {
      await sleep(100);
      opened = await readFile(seen, 'utf8').catch(() => '');
    }
    expect(opened).toBe(`${URL}\n`);
  });

  it('on a terminal without an opener prints the URL and why', async () => {
    const r = await openOnTerminal(await tempDir());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^-----> Open http:\/\/blog\.localhost:8080 in your browser\n {7}\(no browser opened: (xdg-)?open is not on PATH\)\n$/);
  });
});
