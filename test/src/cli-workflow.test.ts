import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { PushEvent } from '@paas/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyApp } from './harness/app-dir.js';
import { getVia } from './harness/http.js';
import { startPlatform, type Platform } from './harness/platform.js';

// The CLI's day-to-day commands against a real platform: link, push from a
// subfolder, push --json, open, and an app without a web service.
let p: Platform;
beforeAll(async () => {
  p = await startPlatform();
});
afterAll(async () => {
  await p?.stop();
});

const events = (stdout: string): PushEvent[] => stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as PushEvent);

describe('a site linked with paas link, pushed from a subfolder with --json', () => {
  it('link refuses a missing app and links an existing one', async () => {
    const dir = await copyApp('examples/static-site');
    const missing = await p.paas(['link', 'no-such-site'], { cwd: dir });
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain('no-such-site');
    expect((await p.paas(['create', 'site'], { cwd: await copyApp('examples/static-site') })).code).toBe(0);
    const linked = await p.paas(['link', 'site'], { cwd: dir });
    expect(linked.code, linked.stderr).toBe(0);
    expect(linked.stdout).toContain(`-----> Linked ${dir} to site\n`);

    const sub = join(dir, 'assets', 'css');
    await mkdir(sub, { recursive: true });
    const pushed = await p.paas(['push', '--json'], { cwd: sub });
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stderr).toContain(`-----> Pushing ${dir} (linked to site), not the subfolder assets/css/\n`);
    const got = events(pushed.stdout);
    expect(got[0]?.type).toBe('push.accepted');
    expect(got).toContainEqual({ type: 'done', release: 'v1', url: `http://site.localhost:${p.routerPort}` });
    expect((await getVia(p.routerPort, 'site.localhost')).body).toContain('static-site');

    // Off a terminal, open only prints the URL.
    const opened = await p.paas(['open'], { cwd: sub });
    expect(opened).toEqual({ code: 0, stdout: `http://site.localhost:${p.routerPort}\n`, stderr: '' });
  });
});

describe('an app without a web service', () => {
  it('is released without a URL; paas url and paas open say why instead', async () => {
    const dir = await copyApp('examples/worker');
    expect((await p.paas(['create', 'jobs'], { cwd: dir })).code).toBe(0);
    const pushed = await p.paas(['push'], { cwd: dir });
    expect(pushed.code, pushed.stdout + pushed.stderr).toBe(0);
    expect(pushed.stdout).toContain('-----> Released v1 (no web service: workers only)\n');
    expect(pushed.stdout).not.toContain('Live at');
    for (const cmd of ['url', 'open']) {
      const r = await p.paas([cmd], { cwd: dir });
      expect([cmd, r.code, r.stdout]).toEqual([cmd, 4, '']);
      expect(r.stderr).toContain('jobs has no web service');
    }
    const info = await p.paas(['info'], { cwd: dir });
    expect(info.stdout).toMatch(/^URL: +\(none: no web service\)$/m);
  });
});
