import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyApp } from './harness/app-dir.js';
import { createAndPush, ok, shown, waitUntil } from './harness/data.js';
import { getVia } from './harness/http.js';
import { startPlatform, type Platform } from './harness/platform.js';

// test/fixtures/heroku-flask: Heroku's getting-started shape, no paas.yml.
// This machine reaches no Python package index, so Flask and gunicorn can
// only come from Debian, through dh-python's PyPI map.
const APP = 'hello';
const HOST = `${APP}.localhost`;
let p: Platform;
let dir: string;
let firstPush: string;

beforeAll(async () => {
  p = await startPlatform();
  const pushed = await createAndPush(p, 'test/fixtures/heroku-flask', APP);
  dir = pushed.dir;
  firstPush = pushed.push.stdout + pushed.push.stderr;
}, 900_000);
afterAll(async () => {
  await p?.stop();
});

interface Instance { name: string; state: string }
async function ps(): Promise<Instance[]> {
  return JSON.parse(ok(await p.paas(['ps', '--json'], { cwd: dir }), 'paas ps').stdout) as Instance[];
}

describe('a Heroku-style Flask app (Procfile, requirements.txt, no paas.yml)', () => {
  it('paas validate shows the spec derived from the Procfile', async () => {
    const r = ok(await p.paas(['validate'], { cwd: dir }), 'paas validate');
    expect(r.stdout).toContain('Procfile (no paas.yml; a Heroku-style app): 2 services');
    expect(r.stdout).toMatch(/web:\s+type: python\s+process: gunicorn hello:app/);
    expect(r.stdout).toMatch(/worker:\s+type: python-worker\s+process: python3 -u -c/);
  });

  it('builds with no package index, from Debian, and says so', () => {
    expect(firstPush).toMatch(/Python dependencies: no package index answers \(pypi\.org: [^)]+\); installing from Debian/);
    expect(firstPush).toContain('Python dependencies: installing from Debian: python3-flask, python3-gunicorn, gunicorn');
  });

  it('web answers through the router, served by gunicorn on $PORT', async () => {
    const r = await getVia(p.routerPort, HOST, '/');
    expect(r.status).toBe(200);
    expect(r.body).toMatch(/^Hello from a Procfile app \(web, gunicorn\/\d+(\.\d+)+\)\n$/);
  });

  it('paas scale worker=2 addresses the Procfile type by name', async () => {
    const r = await p.paas(['scale', 'worker=2'], { cwd: dir });
    expect(r.code, shown(r)).toBe(0);
    expect((await ps()).map((i) => `${i.name} ${i.state}`).sort()).toEqual(['web.1 healthy', 'worker.1 healthy', 'worker.2 healthy']);
    const logs = await waitUntil('worker ticks in the logs', async () => {
      const out = ok(await p.paas(['logs', 'worker', '--no-follow', '-n', '200'], { cwd: dir }), 'paas logs worker').stdout;
      return /worker\.2.*worker tick/.test(out) ? out : undefined;
    }, 30_000, 1_000);
    expect(logs).toMatch(/worker\.1.*worker tick/);
  });

  it('a code-only change reuses the dependency layers: Debian is not asked again', async () => {
    const hello = join(dir, 'hello.py');
    await writeFile(hello, (await readFile(hello, 'utf8')).replace('Hello from', 'Hi again from'));
    const started = Date.now();
    const r = ok(await p.paas(['push'], { cwd: dir }), 'the code-only push');
    const output = r.stdout + r.stderr;
    console.log(`code-only push of the Procfile app: ${Date.now() - started} ms`);
    expect(output).not.toContain('installing from Debian');
    expect((await getVia(p.routerPort, HOST, '/')).body).toMatch(/^Hi again from a Procfile app \(web, gunicorn/);
  });
});

describe('a requirement Debian does not package', () => {
  it('fails the build with one error naming every such requirement, and deploys nothing', async () => {
    const other = await copyApp('test/fixtures/heroku-flask');
    await appendFile(join(other, 'requirements.txt'), 'paas-no-such-project\nFlask-Not-In-Debian==1.0\n');
    ok(await p.paas(['create', 'nodeb'], { cwd: other }), 'paas create nodeb');
    const r = await p.paas(['push'], { cwd: other });
    expect(r.code, shown(r)).toBe(6);
    const output = r.stdout + r.stderr;
    expect(output).toContain('no package index answers, and no Debian package provides: paas-no-such-project, Flask-Not-In-Debian');
    // The failure names the manifest, not the Dockerfile step.
    expect(output).toContain('installing the dependencies from requirements.txt failed: exit code 1');
    // Named once, in the one error: not once per name.
    expect(output.match(/paas-no-such-project/g)?.length).toBe(output.match(/no Debian package provides/g)?.length);
    expect((await getVia(p.routerPort, 'nodeb.localhost', '/')).status).not.toBe(200);
  });
});

describe('paas push --strict', () => {
  it('turns a pin Debian does not meet from a warning into a failed build, naming the pin', async () => {
    const other = await copyApp('test/fixtures/heroku-flask');
    await writeFile(join(other, 'requirements.txt'), 'Flask==3.0.0\ngunicorn\n');
    ok(await p.paas(['create', 'pins'], { cwd: other }), 'paas create pins');
    const r = await p.paas(['push', '--strict'], { cwd: other });
    expect(r.code, shown(r)).toBe(6);
    const output = r.stdout + r.stderr;
    expect(output).toMatch(/requirements\.txt:1: Flask==3\.0\.0 asked; Debian ships python3-flask \d/);
    expect(output).toContain("--strict: Debian's versions differ from the pins above");
    expect((await getVia(p.routerPort, 'pins.localhost', '/')).status).not.toBe(200);
  });
});
