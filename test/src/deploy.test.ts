import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyApp, writeVersion } from './harness/app-dir.js';
import { getVia } from './harness/http.js';
import { startPlatform, type Platform } from './harness/platform.js';

const run = promisify(execFile);
let p: Platform;
beforeAll(async () => {
  p = await startPlatform();
});
afterAll(async () => {
  await p?.stop();
});

async function createAndPush(app: string, dir: string): Promise<string> {
  const created = await p.paas(['create', app], { cwd: dir });
  expect(created.code, created.stderr).toBe(0);
  const pushed = await p.paas(['push'], { cwd: dir });
  expect(pushed.code, pushed.stdout + pushed.stderr).toBe(0);
  return pushed.stdout;
}

describe('create and push the examples', () => {
  it('python-hello answers through the router at its URL', async () => {
    const out = await createAndPush('hello-py', await copyApp('examples/python-hello'));
    expect(out).toContain(`Live at http://hello-py.localhost:${p.routerPort}`);
    const r = await getVia(p.routerPort, 'hello-py.localhost');
    expect(r.status).toBe(200);
    expect(r.body).toContain('python-hello');
    const url = await p.paas(['url', '-a', 'hello-py']);
    expect(url.stdout.trim()).toBe(`http://hello-py.localhost:${p.routerPort}`);
  });

  it('nodejs-hello and static-site answer too', async () => {
    await createAndPush('hello-node', await copyApp('examples/nodejs-hello'));
    expect((await getVia(p.routerPort, 'hello-node.localhost')).body).toContain('nodejs-hello');
    await createAndPush('hello-static', await copyApp('examples/static-site'));
    const r = await getVia(p.routerPort, 'hello-static.localhost');
    expect(r.status).toBe(200);
    expect(r.body).toContain('static-site');
  });

  it('worker deploys with a running instance and no route', async () => {
    await createAndPush('hello-worker', await copyApp('examples/worker'));
    const info = await p.paas(['info', '-a', 'hello-worker', '--json']);
    expect(info.code).toBe(0);
    const detail = JSON.parse(info.stdout) as { release: string; instances: { state: string; release: string }[] };
    expect(detail.release).toBe('v1');
    expect(detail.instances.map((i) => [i.release, i.state])).toEqual([['v1', 'healthy']]);
  });
});

describe('the router and the API keep apps apart', () => {
  it('an unknown host gets 404 from the router, never some app', async () => {
    const r = await getVia(p.routerPort, 'no-such-app.localhost');
    expect(r.status).toBe(404);
    expect(r.body).not.toContain('python-hello');
  });

  it("another user's app answers 404, as a missing one", async () => {
    const added = await p.paas(['users', 'add', 'bob']);
    expect(added.code, added.stderr).toBe(0);
    const token = /paas_[A-Za-z0-9_-]+/.exec(added.stdout)?.[0];
    expect(token).toBeDefined();
    const asBob = { PAAS_TOKEN: token!, PAAS_API_URL: `http://127.0.0.1:${p.apiPort}` };
    const theirs = await p.paas(['info', '-a', 'hello-py'], { env: asBob });
    const missing = await p.paas(['info', '-a', 'nothing-here'], { env: asBob });
    expect(theirs.code).toBe(4);
    expect(missing.code).toBe(4);
    expect(theirs.stderr.replace('hello-py', 'X')).toBe(missing.stderr.replace('nothing-here', 'X'));
    const apps = await p.paas(['apps', '--json'], { env: asBob });
    expect(JSON.parse(apps.stdout)).toEqual([]);
    const res = await fetch(`http://127.0.0.1:${p.apiPort}/v1/apps/hello-py`, { headers: { authorization: 'Bearer wrong' } });
    expect(res.status).toBe(401);
  });

  it('two pushes of one app at once: one is refused with DEPLOY_LOCKED', async () => {
    const dir = await copyApp('test/fixtures/versioned');
    await writeVersion(dir, 'locked-1');
    expect((await p.paas(['create', 'locked'], { cwd: dir })).code).toBe(0);
    const [a, b] = await Promise.all([p.paas(['push'], { cwd: dir }), p.paas(['push'], { cwd: dir })]);
    const codes = [a.code, b.code].sort();
    expect(codes).toEqual([0, 5]);
    const refused = a.code === 5 ? a : b;
    expect(refused.stderr).toMatch(/in progress/);
    expect((await getVia(p.routerPort, 'locked.localhost')).body).toBe('version locked-1\n');
  });

  it('destroy removes the app, its containers and its route', async () => {
    const destroyed = await p.paas(['destroy', 'hello-static', '--yes']);
    expect(destroyed.code, destroyed.stderr).toBe(0);
    expect((await getVia(p.routerPort, 'hello-static.localhost')).status).toBe(404);
    const info = await p.paas(['info', '-a', 'hello-static']);
    expect(info.code).toBe(4);
    const left = async (kind: string[]): Promise<string[]> =>
      (await run('docker', [...kind, '-q', '--filter', 'label=paas.app=hello-static', '--filter', `label=paas.test=${p.runId}`])).stdout.split('\n').filter(Boolean);
    expect(await left(['ps', '-a'])).toEqual([]);
    expect(await left(['network', 'ls'])).toEqual([]);
    expect(await left(['images'])).toEqual([]);
  });
});


describe('environment values (reliability 6, 7)', () => {
  const tricky = 'a $(id) `whoami` "dq" \'sq\' ; & | \\ \n second line';
  const secret = 'paas-secret-4b1d3c9e';

  it('arrive in the instance byte for byte and never appear in image history or the API log', async () => {
    const dir = await copyApp('test/fixtures/versioned');
    await writeVersion(dir, 'env');
    await writeFile(
      join(dir, 'paas.yml'),
      `www:\n  type: python\n  process: exec python3 server.py\n  environment:\n    TRICKY: ${JSON.stringify(tricky)}\n    API_SECRET: ${secret}\n`,
    );
    await createAndPush('envcheck', dir);
    expect(await getVia(p.routerPort, 'envcheck.localhost', '/env/TRICKY')).toEqual({ status: 200, body: tricky });
    expect(await getVia(p.routerPort, 'envcheck.localhost', '/env/API_SECRET')).toEqual({ status: 200, body: secret });
    expect(await getVia(p.routerPort, 'envcheck.localhost', '/env/PAAS_INSTANCE')).toEqual({ status: 200, body: 'www.1' });

    const images = await run('docker', ['images', '-q', '--filter', 'label=paas.app=envcheck', '--filter', `label=paas.test=${p.runId}`]);
    const ids = images.stdout.split('\n').filter(Boolean);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) {
      const history = await run('docker', ['history', '--no-trunc', id]);
      const inspect = await run('docker', ['image', 'inspect', id]);
      expect(history.stdout + inspect.stdout).not.toContain(secret);
    }
    const apiLog = await readFile(join(p.home, 'logs', 'api.log'), 'utf8');
    expect(apiLog).not.toContain(secret);
  });
});
