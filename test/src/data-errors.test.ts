import { execFile } from 'node:child_process';
import { appendFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyApp, writeVersion } from './harness/app-dir.js';
import { dataContainerIds, dataVolumes, ok, shown, waitUntil } from './harness/data.js';
import { getVia } from './harness/http.js';
import { startPlatform, type CliResult, type Platform } from './harness/platform.js';

const run = promisify(execFile);
const NO_MONGO = 'paas-test/no-such-mongo:1';

/** A mongo image already on the engine (none is pulled here: no registry answers), or null. */
async function mongoImage(): Promise<string | null> {
  const { stdout } = await run('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}']).catch(() => ({ stdout: '' }));
  return stdout.split('\n').find((ref) => /^(docker\.io\/)?(library\/)?mongo:/.test(ref)) ?? null;
}
const MONGO = await mongoImage();

let p: Platform;
let dir: string;
const APP = 'errs';

beforeAll(async () => {
  p = await startPlatform({ PAAS_MONGODB_IMAGE: NO_MONGO });
  // versioned (answers "version one") with a PostgreSQL beside it.
  dir = await copyApp('test/fixtures/versioned');
  await writeVersion(dir, 'one');
  await appendFile(join(dir, 'paas.yml'), 'db:\n  type: postgresql\n');
  ok(await p.paas(['create', APP], { cwd: dir }), 'paas create');
  ok(await p.paas(['push'], { cwd: dir }), 'the first push');
  ok(await p.paas(['run', 'db', '--', 'psql', '-v', 'ON_ERROR_STOP=1', '-c', 'CREATE TABLE keep (x int); INSERT INTO keep VALUES (42)'], { cwd: dir }), 'write a row');
}, 900_000);
afterAll(async () => {
  await p?.stop();
});

async function keptRows(): Promise<string> {
  return ok(await p.paas(['run', 'db', '--', 'psql', '-tA', '-c', 'SELECT x FROM keep'], { cwd: dir }), 'read the row').stdout.trim();
}

async function activeRelease(): Promise<string> {
  const info = JSON.parse(ok(await p.paas(['info', '--json'], { cwd: dir }), 'paas info --json').stdout) as { release?: string | null; activeRelease?: string | null };
  return String(info.release ?? info.activeRelease);
}

/** A directory holding only a spec file. */
async function specDir(file: string, text: string): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'paas-spec-'));
  await writeFile(join(d, file), text);
  return d;
}

describe('mongodb without its image on the engine', () => {
  it('a push adding a mongodb service fails with SERVICE_IMAGE_UNAVAILABLE before anything changes', async () => {
    expect(await imageExists(NO_MONGO)).toBe(false);
    const releaseBefore = await activeRelease();
    const dbBefore = await dataContainerIds(p, APP, 'db');
    await writeVersion(dir, 'two');
    await appendFile(join(dir, 'paas.yml'), 'data:\n  type: mongodb\n');

    const pushed = await p.paas(['push'], { cwd: dir });
    expect(pushed.code, shown(pushed)).toBe(9);
    expect(pushed.stderr).toContain(NO_MONGO);
    expect(pushed.stderr).toMatch(/hint: .*(docker (pull|load)|PAAS_MONGODB_IMAGE)/);
    // The same failure as the API streams it: the code.
    const json = await p.paas(['push', '--json'], { cwd: dir });
    expect(json.code, shown(json)).toBe(9);
    const events = json.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; error?: { code: string; hint?: string } });
    const error = events.find((e) => e.type === 'error');
    expect(error?.error?.code, json.stdout).toBe('SERVICE_IMAGE_UNAVAILABLE');
    expect(error?.error?.hint).toBeTruthy();

    // The previous release still serves, its PostgreSQL and data untouched, and no mongodb was created.
    expect((await getVia(p.routerPort, `${APP}.localhost`)).body).toBe('version one\n');
    expect(await activeRelease()).toBe(releaseBefore);
    expect(await dataContainerIds(p, APP, 'db')).toEqual(dbBefore);
    expect(await keptRows()).toBe('42');
    expect(await dataContainerIds(p, APP, 'data')).toEqual([]);
    expect(await dataVolumes(p, APP, 'data')).toEqual([]);
    const types = await run('docker', ['ps', '-aq', '--filter', `label=paas.test=${p.runId}`, '--filter', 'label=paas.data=mongodb']);
    expect(types.stdout.trim()).toBe('');
  });

  it('paas run / backup of the mongodb service that was never created: a clear error, non-zero exit', async () => {
    const r = await p.paas(['run', 'data', '--', 'mongosh', '--eval', '1'], { cwd: dir });
    expect(r.code, shown(r)).not.toBe(0);
    expect(r.code).not.toBe(1);
    expect(r.stderr).toMatch(/data/);
    const b = await p.paas(['backup', 'data', '-o', join(dir, 'data.backup')], { cwd: dir });
    expect(b.code, shown(b)).not.toBe(0);
    expect(b.code).not.toBe(1);
    expect(b.stderr).toMatch(/data/);
  });

  it('without the mongodb service, the next push works again', async () => {
    const spec = await readFile(join(dir, 'paas.yml'), 'utf8');
    await writeFile(join(dir, 'paas.yml'), spec.replace('data:\n  type: mongodb\n', ''));
    ok(await p.paas(['push'], { cwd: dir }), 'push without mongodb');
    expect((await getVia(p.routerPort, `${APP}.localhost`)).body).toBe('version two\n');
    expect(await keptRows()).toBe('42');
  });
});

describe('mongodb with its image on the engine', () => {
  it.skipIf(MONGO === null)('a mongodb service is created, reachable with MONGODB_URL, and backed up (needs mongo image)', async () => {
    const q = await startPlatform({ PAAS_MONGODB_IMAGE: MONGO! });
    try {
      const d = await copyApp('test/fixtures/versioned');
      await writeVersion(d, 'mongo');
      await appendFile(join(d, 'paas.yml'), 'data:\n  type: mongodb\n');
      ok(await q.paas(['create', 'mongo'], { cwd: d }), 'create');
      ok(await q.paas(['push'], { cwd: d }), 'push');
      const env = await q.paas(['run', 'www', '--', 'sh', '-c', 'printf "%s\\n" "$MONGODB_URL" "$DOTCLOUD_DATA_MONGODB_URL"'], { cwd: d });
      expect(env.code, shown(env)).toBe(0);
      const [url, dotcloud] = env.stdout.trim().split('\n');
      expect(url).toMatch(/^mongodb:\/\/[^:]+:[^@]+@data:27017\//);
      expect(dotcloud).toBe(url);
      const backup = await q.paas(['backup', 'data', '-o', join(d, 'mongo.backup')], { cwd: d });
      expect(backup.code, shown(backup)).toBe(0);
    } finally {
      await q.stop();
    }
  });
});

describe('bad data service specs', () => {
  const CODE_ONLY = /applies only to code services/;

  for (const [key, yaml] of [
    ['systempackages', '  systempackages: [vim]\n'],
    ['process', '  process: ./run\n'],
    ['approot', '  approot: db\n'],
  ] as const) {
    it(`${key} on a data service in a paas.yml: SPEC_INVALID naming the key, from validate and from push`, async () => {
      const d = await specDir('paas.yml', `www:\n  type: static\ndb:\n  type: postgresql\n${yaml}`);
      const v = await p.paas(['validate', d, '--json']);
      expect(v.code, shown(v)).toBe(3);
      const body = JSON.parse(v.stdout) as { valid: boolean; code: string; problems: { path: string; message: string }[] };
      expect(body.valid).toBe(false);
      expect(body.code).toBe('SPEC_INVALID');
      expect(body.problems).toEqual([{ path: `db.${key}`, message: expect.stringMatching(CODE_ONLY) }]);
      const text = await p.paas(['validate', d]);
      expect(text.code).toBe(3);
      expect(text.stderr).toContain(`db.${key}: "${key}" applies only to code services`);
      const pushed = await p.paas(['push', d, '-a', APP]);
      expect(pushed.code, shown(pushed)).toBe(3);
      expect(pushed.stderr).toContain(`db.${key}`);
    });
  }

  it('approot on a data service in a dotcloud.yml is accepted (dotCloud files have it); code-only keys are warnings there', async () => {
    const d = await specDir('dotcloud.yml', 'www:\n  type: static\ndb:\n  type: postgresql\n  approot: db\n');
    const v = await p.paas(['validate', d]);
    expect(v.code, shown(v)).toBe(0);
    expect(v.stdout).toMatch(/db: postgresql/);
    const withProcess = await specDir('dotcloud.yml', 'www:\n  type: static\ndb:\n  type: postgresql\n  approot: db\n  process: ./run\n');
    const w = await p.paas(['validate', withProcess]);
    expect(w.code, shown(w)).toBe(0);
    expect(w.stdout + w.stderr).toMatch(/db\.process: "process" applies only to code services.*ignored/);
  });

  it('an unknown type is SPEC_INVALID listing the valid types; a known type that cannot run is TYPE_UNSUPPORTED', async () => {
    const d = await specDir('paas.yml', 'www:\n  type: static\ndb:\n  type: oracle\n');
    const v = await p.paas(['validate', d, '--json']);
    expect(v.code, shown(v)).toBe(3);
    const body = JSON.parse(v.stdout) as { code: string; problems: { path: string; message: string }[] };
    expect(body.code).toBe('SPEC_INVALID');
    expect(body.problems[0]?.path).toBe('db.type');
    expect(body.problems[0]?.message).toContain('"oracle" is not a service type');
    expect(body.problems[0]?.message).toMatch(/postgresql.*mysql.*redis.*rabbitmq.*mongodb/);
    const solr = await specDir('paas.yml', 'www:\n  type: static\nidx:\n  type: solr\n');
    const s = await p.paas(['validate', solr, '--json']);
    expect(s.code, shown(s)).toBe(3);
    expect((JSON.parse(s.stdout) as { code: string }).code).toBe('TYPE_UNSUPPORTED');
  });
});

describe('data service commands on what does not exist', () => {
  it('paas destroy nosuch -a APP --yes: SERVICE_NOT_FOUND, exit 4, nothing removed', async () => {
    const before = await dataContainerIds(p, APP);
    const r = await p.paas(['destroy', 'nosuch', '-a', APP, '--yes']);
    expect(r.code, shown(r)).toBe(4);
    expect(r.stderr).toContain('nosuch');
    expect(await dataContainerIds(p, APP)).toEqual(before);
    expect(await keptRows()).toBe('42');
  });

  it('paas info / backup / restore of an unknown service: exit 4', async () => {
    const file = join(dir, 'VERSION');
    const results: [string, CliResult][] = [
      ['info', await p.paas(['info', 'nosuch'], { cwd: dir })],
      ['backup', await p.paas(['backup', 'nosuch', '-o', join(dir, 'x.backup')], { cwd: dir })],
      ['restore', await p.paas(['restore', 'nosuch', file, '--yes'], { cwd: dir })],
    ];
    for (const [what, r] of results) {
      expect(r.code, `${what}: ${shown(r)}`).toBe(4);
      expect(r.stderr, what).toContain('nosuch');
    }
  });

  it('paas run db of an app whose spec was never pushed: a clear error, non-zero exit', async () => {
    const d = await copyApp('test/fixtures/versioned');
    await writeVersion(d, 'never');
    await appendFile(join(d, 'paas.yml'), 'db:\n  type: postgresql\n');
    ok(await p.paas(['create', 'never-pushed'], { cwd: d }), 'create');
    const r = await p.paas(['run', 'db', '--', 'psql', '-c', 'select 1'], { cwd: d });
    expect(r.code, shown(r)).not.toBe(0);
    expect([4, 5]).toContain(r.code);
    expect(r.stderr).toMatch(/db|push/);
    const b = await p.paas(['backup', 'db', '-o', join(d, 'db.backup')], { cwd: d });
    expect([4, 5]).toContain(b.code);
    expect(await dataContainerIds(p, 'never-pushed')).toEqual([]);
  });

  it('nothing was left behind by the failures: one data container and one volume, the db of errs', async () => {
    await waitUntil('no stray data container', async () => (await dataContainerIds(p)).length === 1, 10_000);
    expect(await dataVolumes(p)).toHaveLength(1);
  });
});

async function imageExists(ref: string): Promise<boolean> {
  return run('docker', ['image', 'inspect', ref]).then(
    () => true,
    () => false,
  );
}
