/**
 * paas env, paas releases, paas rollback against a real platform (issue 8,
 * reliability 5–8): env changes and rollbacks are releases rolled out with no
 * failed request; values arrive byte for byte and never show in logs or
 * events; bad names and sizes are refused before anything changes; images
 * of old releases are pruned and a rollback to one says so.
 */
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyApp, writeVersion } from './harness/app-dir.js';
import { deployVersioned } from './harness/deployed.js';
import { getVia, startLoad } from './harness/http.js';
import { startPlatform, type CliResult, type Platform } from './harness/platform.js';

const run = promisify(execFile);
let p: Platform;

// Low, so that a few pushes prune the first release's images.
const KEEP = 3;

beforeAll(async () => {
  p = await startPlatform({ PAAS_KEEP_RELEASES: String(KEEP) });
});
afterAll(async () => {
  await p?.stop();
});

interface Release { id: string; status: string; kind: string; user: string | null; description: string; set?: string[]; unset?: string[]; to?: string }

const ok = (r: CliResult): CliResult => {
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return r;
};
const releases = async (dir: string): Promise<Release[]> => JSON.parse(ok(await p.paas(['releases', '--json'], { cwd: dir })).stdout) as Release[];
const envOf = async (host: string, name: string): Promise<string> => {
  const r = await getVia(p.routerPort, host, `/env/${name}`);
  return r.status === 404 ? 'unset' : r.body;
};

/** A raw API call with the admin token: what the CLI checks before sending, the API must refuse too. */
async function api(method: string, path: string, body: unknown): Promise<{ status: number; body: { code?: string; message?: string } }> {
  const token = await p.adminToken();
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: p.apiPort, path: `/v1${path}`, method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (data += d));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) as { code?: string } });
          } catch {
            resolve({ status: res.statusCode ?? 0, body: { message: data.slice(0, 200) } });
          }
        });
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

describe('paas env', () => {
  const HOST = 'envs.localhost';
  let dir: string;
  beforeAll(async () => {
    dir = await deployVersioned(p, 'envs', 'one');
  });

  it('env set under steady load: a new release, 0 failed requests, and the app sees the value', async () => {
    const load = startLoad(p.routerPort, HOST, { concurrency: 4, intervalMs: 20, maxMs: 180_000, maxRequests: 30_000 });
    let set: CliResult;
    try {
      set = await p.paas(['env', 'set', 'GREETING=hello world'], { cwd: dir });
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await load.stop();
    }
    ok(set);
    expect(set.stdout).toContain('Setting GREETING on envs');
    expect(set.stdout).toMatch(/Live at http/);
    expect(load.report.failures).toEqual([]);
    expect(load.report.ok).toBeGreaterThan(20);
    expect(await envOf(HOST, 'GREETING')).toBe('hello world');
    const [v2, v1] = await releases(dir);
    expect(v2).toMatchObject({ id: 'v2', status: 'active', kind: 'env', user: 'admin', description: 'env set GREETING', set: ['GREETING'] });
    expect(v1).toMatchObject({ id: 'v1', status: 'superseded', kind: 'push' });
    expect(v1?.description).toMatch(/^push [a-z0-9]+$/);
  });

  it('values with $(id), backticks, quotes, =, newlines and 60 KiB arrive byte for byte, and never show in logs or events', async () => {
    const marker = `m4rk3r${Date.now()}`;
    const values: Record<string, string> = {
      SHELLISH: `$(id) \`id\` $HOME ${marker}`,
      QUOTES: `'single' "double" \\back\\slash ${marker}`,
      EQUALS: `a=b=c==${marker}`,
      LINES: `first line\nsecond\r\nthird\n\n${marker}\n`,
      UNICODE: `héllo ✓ 🚀 ${marker}`,
      BIG: `${marker}${'x'.repeat(60 * 1024 - marker.length)}`,
    };
    // argv passes each value unchanged (no shell here).
    const set = ok(await p.paas(['env', 'set', '--json', ...Object.entries(values).map(([k, v]) => `${k}=${v}`)], { cwd: dir }));
    for (const [k, v] of Object.entries(values)) expect(await envOf(HOST, k), k).toBe(v);
    const listed = JSON.parse(ok(await p.paas(['env', 'list', '--json'], { cwd: dir })).stdout) as Record<string, string>;
    for (const [k, v] of Object.entries(values)) expect(listed[k], k).toBe(v);

    // A dotenv file with a multi-line quoted value reads back the same, and `env list` prints what `env set -f` reads.
    const file = join(dir, 'prod.env');
    await writeFile(file, `# comment\nexport MULTI="line one\nline \\"two\\" ${marker}"\nPLAIN=plain value # a comment\nSINGLE='$(id) \\n kept'\n`);
    ok(await p.paas(['env', 'set', '-f', 'prod.env'], { cwd: dir }));
    expect(await envOf(HOST, 'MULTI')).toBe(`line one\nline "two" ${marker}`);
    expect(await envOf(HOST, 'PLAIN')).toBe('plain value');
    expect(await envOf(HOST, 'SINGLE')).toBe('$(id) \\n kept');
    const text = ok(await p.paas(['env', 'list'], { cwd: dir })).stdout;
    await writeFile(file, text);
    const before = (await releases(dir)).length;
    const again = ok(await p.paas(['env', 'set', '-f', 'prod.env'], { cwd: dir }));
    // Every value read back equal: nothing changed, no release.
    expect(again.stdout).toContain('nothing changed');
    expect((await releases(dir)).length).toBe(before);
    await rm(file);

    // Names only in events, the release list and the logs.
    expect(set.stdout).not.toContain(marker);
    const described = JSON.stringify(await releases(dir));
    expect(described).toContain('SHELLISH');
    expect(described).not.toContain(marker);
    for (const log of ['api.log', 'router.log']) {
      const content = await readFile(join(p.home, 'logs', log), 'utf8').catch(() => '');
      expect(content, log).not.toContain(marker);
    }
    // Nor in the image: values go to the container at start, never into a layer.
    const { stdout: images } = await run('docker', ['images', '-q', '--filter', `label=paas.test=${p.runId}`, '--filter', 'label=paas.app=envs']);
    for (const id of new Set(images.split('\n').filter(Boolean))) {
      const { stdout } = await run('docker', ['history', '--no-trunc', id]);
      expect(stdout).not.toContain(marker);
    }
  });

  it('bad names → 400 ENV_INVALID (CLI exit 3), before anything changes', async () => {
    const before = await releases(dir);
    for (const key of ['BAD=KEY', 'A B', '1A', '', 'A\u0000B', 'A\nB', 'PORT', 'PAAS_APP', 'PORT_WWW']) {
      const r = await api('PATCH', '/apps/envs/env', { set: { [key]: 'x' } });
      expect(r.status, JSON.stringify(key)).toBe(400);
      expect(r.body.code).toBe('ENV_INVALID');
    }
    expect((await api('PATCH', '/apps/envs/env', { set: { OK: 'nul\u0000inside' } })).body.code).toBe('ENV_INVALID');
    expect((await api('PATCH', '/apps/envs/env', { unset: ['1A'] })).status).toBe(400);
    for (const arg of ['A B=x', '1A=x', '=x', 'PORT=9', 'NOEQUALS']) {
      const r = await p.paas(['env', 'set', arg], { cwd: dir });
      expect(r.code, `${arg}: ${r.stderr}`).toBe(3);
    }
    expect((await p.paas(['env', 'unset', '1A'], { cwd: dir })).code).toBe(3);
    const bad = await p.paas(['env', 'set', 'PAAS_X=1'], { cwd: dir });
    expect(bad.stderr).toContain('set by the platform');
    expect(await releases(dir)).toEqual(before);
  });

  it('a value over 64 KiB or an env over 1 MiB → 413 ENV_TOO_LARGE (CLI exit 10), nothing stored', async () => {
    const before = await releases(dir);
    const big = 'y'.repeat(64 * 1024 + 1);
    const one = await api('PATCH', '/apps/envs/env', { set: { BIG2: big } });
    expect(one.status).toBe(413);
    expect(one.body.code).toBe('ENV_TOO_LARGE');
    expect(JSON.stringify(one.body)).not.toContain('yyyy');
    const r = await p.paas(['env', 'set', `BIG2=${big}`], { cwd: dir });
    expect(r.code, r.stderr).toBe(10);

    // 17 × 63 KiB: each value fits, the whole does not.
    const many = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`PART${i}`, 'z'.repeat(63 * 1024)]));
    const total = await api('PATCH', '/apps/envs/env', { set: many });
    expect(total.status).toBe(413);
    expect(total.body.code).toBe('ENV_TOO_LARGE');
    // The same over two requests: the second one would pass the total.
    const half = Object.fromEntries(Object.entries(many).slice(0, 9));
    const rest = Object.fromEntries(Object.entries(many).slice(9));
    expect((await api('PATCH', '/apps/envs/env', { set: half, deploy: false })).status).toBe(200);
    const second = await api('PATCH', '/apps/envs/env', { set: rest, deploy: false });
    expect(second.status).toBe(413);
    expect(second.body.code).toBe('ENV_TOO_LARGE');
    // A body far over the limit is refused by size alone, with the same code.
    const huge = await api('PATCH', '/apps/envs/env', { set: { HUGE: '\u0001'.repeat(2 * 1024 * 1024) } });
    expect(huge.status).toBe(413);
    expect(huge.body.code).toBe('ENV_TOO_LARGE');
    // A file over the total stops in the CLI.
    await writeFile(join(dir, 'big.env'), Object.entries(many).map(([k, v]) => `${k}=${v}`).join('\n'));
    expect((await p.paas(['env', 'set', '-f', 'big.env'], { cwd: dir })).code).toBe(10);
    await rm(join(dir, 'big.env'));

    ok(await p.paas(['env', 'unset', '--no-deploy', ...Object.keys(half)], { cwd: dir }));
    const listed = JSON.parse(ok(await p.paas(['env', 'list', '--json'], { cwd: dir })).stdout) as Record<string, string>;
    expect(Object.keys(listed).filter((k) => k.startsWith('PART') || k === 'BIG2')).toEqual([]);
    expect(await releases(dir)).toEqual(before);
  });

  it('--no-deploy stores the change; the next push deploys it; a push that changes nothing says so', async () => {
    const staged = ok(await p.paas(['env', 'set', '--no-deploy', 'STAGED=yes'], { cwd: dir }));
    expect(staged.stdout).toContain('the next push');
    expect(await envOf(HOST, 'STAGED')).toBe('unset');
    const list = ok(await p.paas(['env', 'list'], { cwd: dir }));
    expect(list.stdout).toContain('STAGED=yes');
    expect(list.stderr).toContain('not deployed yet: STAGED');

    await writeVersion(dir, 'two');
    ok(await p.paas(['push'], { cwd: dir }));
    expect((await getVia(p.routerPort, HOST)).body).toBe('version two\n');
    expect(await envOf(HOST, 'STAGED')).toBe('yes');
    expect(await envOf(HOST, 'GREETING')).toBe('hello world');
    const [pushed] = await releases(dir);
    expect(pushed).toMatchObject({ status: 'active', kind: 'push' });

    const same = ok(await p.paas(['push'], { cwd: dir }));
    expect(same.stdout).toContain(`nothing changed: ${pushed?.id} keeps serving`);
    expect((await releases(dir))[0]?.id).toBe(pushed?.id);
    expect((await getVia(p.routerPort, HOST)).body).toBe('version two\n');

    const unset = ok(await p.paas(['env', 'unset', 'STAGED'], { cwd: dir }));
    expect(unset.stdout).toContain('Unsetting STAGED');
    expect(await envOf(HOST, 'STAGED')).toBe('unset');
    expect((await releases(dir))[0]).toMatchObject({ kind: 'env', description: 'env unset STAGED', unset: ['STAGED'] });
  });
});

describe('paas rollback', () => {
  const HOST = 'rb.localhost';
  let dir: string;
  beforeAll(async () => {
    // v1: version one with COLOR=red, set before the first push (stored only: no release yet).
    dir = await copyApp('test/fixtures/versioned');
    await writeVersion(dir, 'one');
    ok(await p.paas(['create', 'rb'], { cwd: dir }));
    const stored = ok(await p.paas(['env', 'set', 'COLOR=red'], { cwd: dir }));
    expect(stored.stdout).toContain('no release yet');
    ok(await p.paas(['push'], { cwd: dir }));
    // v2: other code and env.
    await writeVersion(dir, 'two');
    ok(await p.paas(['env', 'set', '--no-deploy', 'COLOR=blue', 'SIZE=xl'], { cwd: dir }));
    ok(await p.paas(['push'], { cwd: dir }));
    expect(await envOf(HOST, 'COLOR')).toBe('blue');
  });

  it('rollback to v1 under steady load: v1 content and env served, 0 failed requests, releases shows it', async () => {
    const load = startLoad(p.routerPort, HOST, { concurrency: 4, intervalMs: 20, maxMs: 180_000, maxRequests: 30_000 });
    let rolled: CliResult;
    try {
      rolled = await p.paas(['rollback', 'v1'], { cwd: dir });
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await load.stop();
    }
    ok(rolled);
    expect(load.report.failures).toEqual([]);
    expect(load.report.bodies.get('version one')).toBeGreaterThan(0);
    expect((await getVia(p.routerPort, HOST)).body).toBe('version one\n');
    expect(await envOf(HOST, 'COLOR')).toBe('red');
    expect(await envOf(HOST, 'SIZE')).toBe('unset');
    // The app env is v1's again: the next push keeps it.
    expect(JSON.parse(ok(await p.paas(['env', 'list', '--json'], { cwd: dir })).stdout)).toEqual({ COLOR: 'red' });
    const list = await releases(dir);
    expect(list.map((r) => `${r.id} ${r.status} ${r.description}`)).toEqual([
      'v3 active rollback to v1',
      expect.stringMatching(/^v2 superseded push [a-z0-9]+$/),
      expect.stringMatching(/^v1 superseded push [a-z0-9]+$/),
    ]);
    const text = ok(await p.paas(['releases'], { cwd: dir })).stdout;
    expect(text).toMatch(/^VERSION +CREATED +USER +DESCRIPTION +STATUS$/m);
    expect(text).toMatch(/^v3 +\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ +admin +rollback to v1 +active$/m);
  });

  it('rollback to the active release does nothing and says so; deploy previous goes to the one before', async () => {
    const same = ok(await p.paas(['rollback', 'v3'], { cwd: dir }));
    expect(same.stdout).toContain('v3 is the active release already');
    expect((await releases(dir))[0]?.id).toBe('v3');
    const missing = await p.paas(['rollback', 'v42'], { cwd: dir });
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain('has no release v42');
    const previous = ok(await p.paas(['deploy', 'previous'], { cwd: dir }));
    expect(previous.stdout).toContain('Rolling back rb to the previous release');
    expect((await releases(dir))[0]).toMatchObject({ id: 'v4', status: 'active', kind: 'rollback', to: 'v2' });
    expect((await getVia(p.routerPort, HOST)).body).toBe('version two\n');
    expect(await envOf(HOST, 'SIZE')).toBe('xl');
  });

  it('a release that fails stays listed as failed, and what served before still serves', async () => {
    await writeFile(join(dir, 'CRASH_ON_BOOT'), '');
    await writeVersion(dir, 'broken');
    const broken = await p.paas(['push'], { cwd: dir });
    await rm(join(dir, 'CRASH_ON_BOOT'));
    expect(broken.code, broken.stdout + broken.stderr).toBe(7);
    expect((await releases(dir))[0]).toMatchObject({ id: 'v5', status: 'failed', kind: 'push' });
    expect((await getVia(p.routerPort, HOST)).body).toBe('version two\n');
  });

  it(`after ${KEEP} newer releases, a rollback to v1 is refused with RELEASE_IMAGES_GONE before anything changes`, async () => {
    for (const v of ['three', 'four', 'five']) {
      await writeVersion(dir, v);
      ok(await p.paas(['push'], { cwd: dir }));
    }
    // Pruning runs in the background once the old instances are retired: wait until v1's image is gone.
    const imageCount = async (): Promise<number> => {
      const { stdout } = await run('docker', ['images', '-q', '--filter', `label=paas.test=${p.runId}`, '--filter', 'label=paas.app=rb']);
      return new Set(stdout.split('\n').filter(Boolean)).size;
    };
    for (let i = 0; i < 300 && (await imageCount()) > KEEP; i++) await new Promise((r) => setTimeout(r, 200));
    expect(await imageCount()).toBe(KEEP);
    const before = await releases(dir);
    const gone = await p.paas(['rollback', 'v1'], { cwd: dir });
    expect(gone.code, gone.stdout + gone.stderr).toBe(4);
    expect(gone.stderr).toContain('pruned');
    expect(gone.stderr).toMatch(/PAAS_KEEP_RELEASES/);
    expect(await releases(dir)).toEqual(before);
    expect((await getVia(p.routerPort, HOST)).body).toBe('version five\n');
    // A kept one still works.
    const back = ok(await p.paas(['rollback'], { cwd: dir }));
    expect(back.stdout).toContain('Live at');
    expect((await getVia(p.routerPort, HOST)).body).toBe('version four\n');
  });
});
