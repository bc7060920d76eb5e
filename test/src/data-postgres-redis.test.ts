import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appImagesText,
  assertNoSecret,
  crashContainer,
  createAndPush,
  dataContainer,
  dockerKill,
  editFile,
  ok,
  serviceInfo,
  shown,
  visit,
  waitForDataRestart,
  waitUntil,
} from './harness/data.js';
import { startPlatform, type Platform } from './harness/platform.js';

// The examples/python-postgres-redis app as a user deploys it: www (python)
// with db (postgresql) and cache (redis).
const APP = 'counter';
const HOST = `${APP}.localhost`;
let p: Platform;
let dir: string;
/** Every push's output, to look for the passwords in. */
const pushOutputs: string[] = [];
let last = 0;

beforeAll(async () => {
  p = await startPlatform();
  // The first push on a machine builds the PostgreSQL and Redis images: minutes.
  const first = await createAndPush(p, 'examples/python-postgres-redis', APP);
  dir = first.dir;
  pushOutputs.push(first.push.stdout + first.push.stderr);
}, 900_000);
afterAll(async () => {
  await p?.stop();
});

/** The next visit: the count must go on from the last one seen. */
async function nextVisit(): Promise<string> {
  const { visits, body } = await visit(p, HOST);
  expect(visits, body).toBe(last + 1);
  last = visits;
  return body;
}

describe('python-postgres-redis', () => {
  it('counts visits in PostgreSQL and caches the count in Redis', async () => {
    const first = await visit(p, HOST);
    expect(first.body).toContain('python-postgres-redis');
    last = first.visits;
    expect(last).toBe(1);
    expect(first.body).toMatch(/^cache: miss/m);
    const second = await nextVisit();
    expect(second).toContain('cache: hit (Redis had 1 from the previous visit)');
    await nextVisit();
    expect(last).toBe(3);
  });

  it('a push of new code keeps both data services as they are: the count goes on', async () => {
    const db = await dataContainer(p, APP, 'db');
    const cache = await dataContainer(p, APP, 'cache');
    expect(db?.running).toBe(true);
    expect(cache?.running).toBe(true);
    await editFile(dir, 'wsgi.py', 'TITLE = "python-postgres-redis"', 'TITLE = "python-postgres-redis, second release"');
    const pushed = ok(await p.paas(['push'], { cwd: dir }), 'the second push');
    pushOutputs.push(pushed.stdout + pushed.stderr);
    const body = await nextVisit();
    expect(body).toContain('second release');
    expect(body).toContain(`cache: hit (Redis had ${last - 1} from the previous visit)`);
    // Not re-created, not restarted.
    expect((await dataContainer(p, APP, 'db'))?.id).toBe(db?.id);
    expect((await dataContainer(p, APP, 'db'))?.restartCount).toBe(db?.restartCount);
    expect((await dataContainer(p, APP, 'cache'))?.id).toBe(cache?.id);
  });

  it('PostgreSQL crashes (its process is killed): the engine restarts it on its volume and the count goes on', async () => {
    const before = (await dataContainer(p, APP, 'db'))!;
    await crashContainer(before);
    const after = await waitForDataRestart(p, APP, 'db', before);
    expect(after.id).toBe(before.id);
    const { visits } = await waitUntil('a visit served again', () => visit(p, HOST).catch(() => undefined), 60_000, 500);
    // Requests made while the database was down answered 503 and counted nothing.
    expect(visits).toBe(last + 1);
    last = visits;
    await nextVisit();
  });

  it('docker kill of the PostgreSQL container: it comes back on its volume and the count goes on', async () => {
    const before = (await dataContainer(p, APP, 'db'))!;
    await dockerKill(before.id);
    await waitForDataRestart(p, APP, 'db', before, 60_000);
    const { visits } = await waitUntil('a visit served again', () => visit(p, HOST).catch(() => undefined), 60_000, 500);
    expect(visits).toBe(last + 1);
    last = visits;
  });

  it('paas run db -- psql as the administrator', async () => {
    const one = await p.paas(['run', 'db', '--', 'psql', '-c', 'select 1'], { cwd: dir });
    expect(one.code, shown(one)).toBe(0);
    expect(one.stdout).toMatch(/^\s*1\s*$/m);
    // The admin sees the app's table: the count the page showed last.
    const info = await serviceInfo(p, dir, 'db');
    const count = await p.paas(['run', 'db', '--', 'psql', '-d', info.database, '-tA', '-c', "select n from counters where name = 'visits'"], { cwd: dir });
    expect(count.code, shown(count)).toBe(0);
    expect(count.stdout.trim()).toBe(String(last));
    // A failing SQL statement is the command's own non-zero exit.
    const bad = await p.paas(['run', 'db', '--', 'psql', '-v', 'ON_ERROR_STOP=1', '-c', 'select * from no_such_table'], { cwd: dir });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('no_such_table');
  });

  it('paas run cache -- redis-cli reads the cached count', async () => {
    const r = await p.paas(['run', 'cache', '--', 'redis-cli', 'get', 'visits'], { cwd: dir });
    expect(r.code, shown(r)).toBe(0);
    expect(r.stdout.trim()).toBe(String(last));
  });

  it('paas info db masks the password; --show-secrets shows it', async () => {
    const secret = await serviceInfo(p, dir, 'db', true);
    expect(secret).toMatchObject({ name: 'db', type: 'postgresql', host: 'db', port: 5432 });
    expect(secret.password.length).toBeGreaterThanOrEqual(16);
    expect(secret.password).not.toContain('*');
    expect(secret.url).toBe(`postgresql://${secret.login}:${encodeURIComponent(secret.password)}@db:5432/${secret.database}`);
    expect(secret.env.DB_URL).toBe(secret.url);
    expect(secret.env.PAAS_DB_POSTGRESQL_PASSWORD).toBe(secret.password);
    expect(secret.env.DOTCLOUD_DB_SQL_PASSWORD).toBe(secret.password);
    // The instance has them, and the Heroku names of the app's one SQL service and one redis.
    const cache = await serviceInfo(p, dir, 'cache', true);
    const seen = ok(await p.paas(['run', 'www', '--', 'sh', '-c', 'printf "%s\\n" "$DATABASE_URL" "$DB_URL" "$DOTCLOUD_DB_SQL_URL" "$REDIS_URL" "$CACHE_URL"'], { cwd: dir }), 'paas run www');
    expect(seen.stdout.split('\n').slice(0, 5)).toEqual([secret.url, secret.url, secret.url, cache.url, cache.url]);
    expect(cache.url).toBe(`redis://:${cache.password}@cache:6379/0`);

    const masked = await serviceInfo(p, dir, 'db');
    expect(masked.password).toBe('********');
    expect(masked.login).toBe(secret.login);
    assertNoSecret(JSON.stringify(masked), secret.password, 'paas info db --json');

    const text = ok(await p.paas(['info', 'db'], { cwd: dir }), 'paas info db');
    assertNoSecret(text.stdout + text.stderr, secret.password, 'paas info db');
    expect(text.stdout).toContain('********');
    expect(text.stdout).toContain('postgresql');
    const shownText = ok(await p.paas(['info', 'db', '--show-secrets'], { cwd: dir }), 'paas info db --show-secrets');
    expect(shownText.stdout).toContain(secret.password);

    // The app's info lists the data services, with no secret in it.
    const appInfo = ok(await p.paas(['info', '--json'], { cwd: dir }), 'paas info --json');
    assertNoSecret(appInfo.stdout, secret.password, 'paas info --json');
  });

  it('the passwords appear nowhere else: push output, build log, logs, API log, error bodies, image history', async () => {
    const secrets = [(await serviceInfo(p, dir, 'db', true)).password, (await serviceInfo(p, dir, 'cache', true)).password];
    const places: [string, string][] = [];
    pushOutputs.forEach((text, i) => places.push([text, `the output of push #${i + 1}`]));
    const buildLog = ok(await p.paas(['logs', '--build'], { cwd: dir }), 'paas logs --build');
    expect(buildLog.stdout).toContain('www');
    places.push([buildLog.stdout + buildLog.stderr, 'paas logs --build']);
    const logs = ok(await p.paas(['logs', '--no-follow', '-n', '1000'], { cwd: dir }), 'paas logs');
    places.push([logs.stdout + logs.stderr, 'paas logs']);
    // Errors about the data services, as the CLI prints them and as the API answers them.
    const errors = [
      await p.paas(['info', 'nosuch'], { cwd: dir }),
      await p.paas(['run', 'db', '--', 'psql', '-c', 'select broken syntax here'], { cwd: dir }),
      await p.paas(['restore', 'db', join(dir, 'wsgi.py'), '--yes'], { cwd: dir }),
    ];
    for (const e of errors) {
      expect(e.code, shown(e)).not.toBe(0);
      places.push([e.stdout + e.stderr, 'an error of the CLI']);
    }
    const token = await p.adminToken();
    for (const path of [`/v1/apps/${APP}/services/nosuch`, `/v1/apps/${APP}/services/db`, `/v1/apps/${APP}/services`, `/v1/apps/${APP}`]) {
      const res = await fetch(`http://127.0.0.1:${p.apiPort}${path}`, { headers: { authorization: `Bearer ${token}` } });
      places.push([await res.text(), `GET ${path}`]);
    }
    const restore = await fetch(`http://127.0.0.1:${p.apiPort}/v1/apps/${APP}/services/db/restore`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(Buffer.from('not a backup at all')),
    });
    expect(restore.status).toBeGreaterThanOrEqual(400);
    places.push([await restore.text(), 'the body of a refused restore']);
    for (const log of ['api.log', 'router.log']) {
      const text = await readFile(join(p.home, 'logs', log), 'utf8');
      expect(text.length, log).toBeGreaterThan(0);
      places.push([text, `PAAS_HOME/logs/${log}`]);
    }
    const images = await appImagesText(p, APP);
    expect(images.images.length).toBeGreaterThan(0);
    places.push([images.text, 'docker history / image inspect of the app images']);
    for (const secret of secrets) for (const [text, where] of places) assertNoSecret(text, secret, where);
    // The count still goes on after all that.
    await nextVisit();
  });
});
