import { stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyApp } from './harness/app-dir.js';
import { createAndPush, editFile, ok, shown, waitUntil } from './harness/data.js';
import { countLabelled } from './harness/docker.js';
import { getVia } from './harness/http.js';
import { startPlatform, type Platform } from './harness/platform.js';

let p: Platform;
let dir: string;

beforeAll(async () => {
  p = await startPlatform();
}, 120_000);
afterAll(async () => {
  await p?.stop();
});

/** GET / of APP through the router, until `until` holds for the body. */
function servedUntil(app: string, what: string, until: (body: string) => boolean): Promise<string> {
  return waitUntil(what, async () => {
    const r = await getVia(p.routerPort, `${app}.localhost`, '/').catch(() => undefined);
    return r?.status === 200 && until(r.body) ? r.body : undefined;
  }, 30_000);
}

describe('a dotCloud app runs unchanged', () => {
  it('only /home/dotcloud paths, a postinstall without the executable bit, processes in supervisord.conf', async () => {
    // The fixture must stay as dotCloud apps were committed.
    const fixture = await copyApp('test/fixtures/dotcloud-app');
    expect((await stat(join(fixture, 'postinstall'))).mode & 0o111).toBe(0);
    const pushed = await createAndPush(p, 'test/fixtures/dotcloud-app', 'oldapp');
    dir = pushed.dir;
    const body = await servedUntil('oldapp', 'the ticker to have written', (b) => /^ticker: tick \d+$/m.test(b) && /ticker log: written/.test(b));
    expect(body).toContain('port: 8080 (str)\n');
    expect(body).toContain('service: www\n');
    expect(body).toContain('cwd: /home/app/code/web\n');
    expect(body).toContain('postinstall: postinstall ran with python3 from /home/app/code/web\n');
    expect(body).toContain('code: the whole pushed tree is in ~/code\n');
  }, 600_000);

  it('a failing postbuild names the key and shows its output; the app keeps serving', async () => {
    await writeFile(join(dir, 'web', 'compile.sh'), 'echo "compiling assets"\necho "sass: no such file: main.scss" >&2\nexit 3\n');
    await editFile(dir, 'dotcloud.yml', '    postinstall: ../postinstall\n', '    postinstall: ../postinstall\n    postbuild: ./compile.sh\n');
    const r = await p.paas(['push'], { cwd: dir });
    expect(r.code, shown(r)).toBe(6);
    const out = r.stdout + r.stderr;
    expect(out).toContain('www.postbuild failed: exit code 3');
    expect(out).toContain('sass: no such file: main.scss');
    expect((await getVia(p.routerPort, 'oldapp.localhost', '/')).status).toBe(200);
  }, 600_000);

  it('a failing postinstall names the key and shows its output', async () => {
    await editFile(dir, 'dotcloud.yml', '    postbuild: ./compile.sh\n', '');
    await writeFile(join(dir, 'postinstall'), '#!/bin/sh\necho "migration 7 failed"\nexit 5\n');
    const r = await p.paas(['push'], { cwd: dir });
    expect(r.code, shown(r)).toBe(7);
    const out = r.stdout + r.stderr;
    expect(out).toContain('www.postinstall exited with code 5');
    expect(out).toContain('migration 7 failed');
    expect((await getVia(p.routerPort, 'oldapp.localhost', '/')).status).toBe(200);
  }, 600_000);

  it('an approot missing from the pushed tree is refused before any build, leaving nothing behind', async () => {
    const images = await countLabelled(p.runId, 'images');
    const containers = await countLabelled(p.runId, 'ps');
    const before = JSON.parse(ok(await p.paas(['info', '--json'], { cwd: dir }), 'paas info').stdout) as { release: string };
    await editFile(dir, 'dotcloud.yml', '    approot: web\n', '    approot: webapp\n');
    const r = await p.paas(['push'], { cwd: dir });
    expect(r.code, shown(r)).toBe(3);
    const out = r.stdout + r.stderr;
    expect(out).toContain('www.approot: "webapp" is not a directory of the pushed tree');
    expect(out).not.toMatch(/Step \d+\/\d+|Uploading/);
    expect(await countLabelled(p.runId, 'images')).toBe(images);
    expect(await countLabelled(p.runId, 'ps')).toBe(containers);
    // A symlink is the API's to resolve: a dangling one is refused there, as authoritatively.
    await symlink('nowhere', join(dir, 'site'));
    await editFile(dir, 'dotcloud.yml', '    approot: webapp\n', '    approot: site\n');
    const viaApi = await p.paas(['push'], { cwd: dir });
    expect(viaApi.code, shown(viaApi)).toBe(3);
    expect(viaApi.stdout + viaApi.stderr).toContain('www.approot: "site" is not a directory of the pushed tree');
    expect(viaApi.stdout + viaApi.stderr).toMatch(/Uploading oldapp/);
    expect(await countLabelled(p.runId, 'images')).toBe(images);
    expect(await countLabelled(p.runId, 'ps')).toBe(containers);
    const after = JSON.parse(ok(await p.paas(['info', '--json'], { cwd: dir }), 'paas info').stdout) as { release: string };
    expect(after.release).toBe(before.release);
  }, 120_000);
});

describe('a dotCloud nodejs app with only server.js', () => {
  it('is started with node server.js', async () => {
    await createAndPush(p, 'test/fixtures/nodejs-server-js', 'nodeold');
    const body = await servedUntil('nodeold', 'server.js to answer', (b) => b.length > 0);
    expect(body).toBe('server.js answers on 8080\n');
  }, 600_000);
});
