import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyApp } from './harness/app-dir.js';
import { ok, shown, waitUntil } from './harness/data.js';
import { getVia } from './harness/http.js';
import { startPlatform, type Platform } from './harness/platform.js';

// The php, ruby, perl and java types end to end: each fixture (no registry
// dependency) is pushed to one platform, its page answers through the
// router, and its worker's lines reach `paas logs`. The first push of each
// installs its Debian packages: minutes on a machine without them cached.

let p: Platform;
beforeAll(async () => {
  p = await startPlatform();
});
afterAll(async () => {
  await p?.stop();
});

const PUSH_TIMEOUT = 900_000;

async function createAndPush(app: string, fixture: string): Promise<string> {
  const dir = await copyApp(`test/fixtures/types/${fixture}`);
  ok(await p.paas(['create', app], { cwd: dir }), 'paas create');
  const started = Date.now();
  const pushed = await p.paas(['push'], { cwd: dir });
  expect(pushed.code, shown(pushed)).toBe(0);
  // Kept in the output: the cold build time of each type is worth knowing.
  console.log(`${fixture}: first push ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return dir;
}

async function page(app: string, path: string): Promise<string> {
  const r = await getVia(p.routerPort, `${app}.localhost`, path);
  expect(r.status, r.body).toBe(200);
  return r.body;
}

/** Waits for a line of the app's worker.1 matching `re` in `paas logs`. */
async function workerLine(app: string, re: RegExp): Promise<string> {
  return waitUntil(`a line of ${app}'s worker matching ${re}`, async () => {
    const logs = ok(await p.paas(['logs', '-a', app, '-n', '200', '--no-follow']), 'paas logs');
    return logs.stdout.split('\n').find((l) => / worker\.1 \| /.test(l) && re.test(l));
  }, 30_000, 1_000);
}

async function states(app: string): Promise<string[]> {
  const ps = ok(await p.paas(['ps', '-a', app, '--json']), 'paas ps');
  return (JSON.parse(ps.stdout) as { name: string; state: string }[]).map((i) => `${i.name} ${i.state}`).sort();
}

describe('php and php-worker', () => {
  it('index.php answers every path; the app\'s php.ini and nginx.conf are honoured; the worker runs', async () => {
    await createAndPush('t-php', 'php');
    const body = await page('t-php', '/any/route?x=1');
    expect(body).toContain('php fixture on PHP 8');
    expect(body).toContain('path: /any/route');
    // memory_limit is 128M in Debian's php.ini; the app's says 77M.
    expect(body).toContain('memory_limit: 77M');
    expect(body).toContain('greeting: hello from php.ini');
    expect(body).toContain('PORT from the environment: yes');
    expect(await page('t-php', '/from-nginx-conf')).toBe("answered by the app's nginx.conf\n");
    // The configuration files themselves are not served.
    expect((await getVia(p.routerPort, 't-php.localhost', '/php.ini')).status).toBe(404);
    expect(await workerLine('t-php', /php-worker tick \d+ memory_limit=77M$/)).toBeTruthy();
    expect(await states('t-php')).toEqual(['worker.1 healthy', 'www.1 healthy']);
  }, PUSH_TIMEOUT);
});

describe('ruby and ruby-worker', () => {
  it('config.ru answers under puma; the worker runs', async () => {
    await createAndPush('t-ruby', 'ruby');
    const body = await page('t-ruby', '/hello');
    expect(body).toMatch(/^ruby fixture on Ruby 3\.1\./);
    expect(body).toContain('path: /hello');
    expect(body).toContain('server: puma');
    expect(await workerLine('t-ruby', /ruby-worker tick \d+$/)).toBeTruthy();
    expect(await states('t-ruby')).toEqual(['worker.1 healthy', 'www.1 healthy']);
  }, PUSH_TIMEOUT);

  it('a gem from an unreachable RubyGems fails with gem\'s own message and a hint naming systempackages', async () => {
    const dir = await copyApp('test/fixtures/types/ruby');
    await writeFile(join(dir, 'paas.yml'), 'www:\n  type: ruby\n  requirements:\n    - sinatra\n');
    ok(await p.paas(['create', 't-gems'], { cwd: dir }), 'paas create');
    const pushed = await p.paas(['push'], { cwd: dir });
    expect(pushed.code, shown(pushed)).not.toBe(0);
    const out = pushed.stdout + pushed.stderr;
    expect(out).toContain("Could not find a valid gem 'sinatra'");
    expect(out).toMatch(/systempackages.*ruby-sinatra/);
  }, PUSH_TIMEOUT);
});

describe('perl and perl-worker', () => {
  it('app.psgi answers under starman; the worker runs', async () => {
    await createAndPush('t-perl', 'perl');
    const body = await page('t-perl', '/psgi');
    expect(body).toMatch(/^perl fixture on Perl v5\.36\./);
    expect(body).toContain('path: /psgi');
    expect(await workerLine('t-perl', /perl-worker tick \d+$/)).toBeTruthy();
    expect(await states('t-perl')).toEqual(['worker.1 healthy', 'www.1 healthy']);
  }, PUSH_TIMEOUT);
});

describe('java', () => {
  it('a JAR built from source by postbuild runs with java -jar and answers', async () => {
    await createAndPush('t-java', 'java');
    const body = await page('t-java', '/jvm');
    expect(body).toBe('java fixture on Java 17\npath: /jvm\n');
    expect(await states('t-java')).toEqual(['www.1 healthy']);
  }, PUSH_TIMEOUT);

  it('with no JAR, the one WAR (made by postbuild) is deployed at / in Debian\'s Jetty 9', async () => {
    await createAndPush('t-war', 'java-war');
    expect(await page('t-war', '/')).toBe('a static page from the WAR\n');
    expect(await page('t-war', '/hello')).toBe('servlet on Java 17\npath: /hello\n');
    expect(await states('t-war')).toEqual(['www.1 healthy']);
  }, PUSH_TIMEOUT);
});
