import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildCaEnv,
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
import { getVia } from './harness/http.js';
import { startPlatform, type Platform } from './harness/platform.js';

let p: Platform;
let mysqlDir: string;
let redisDir: string;
let last = 0;

beforeAll(async () => {
  // npm ci fetches mysql2 from the npm registry over HTTPS.
  p = await startPlatform(buildCaEnv());
  // The first push on a machine builds the MariaDB and Redis images: minutes.
  // One after the other: two first builds at once each make their own copy of
  // the CA layers they share, and a later push may then miss the apt layer's cache.
  mysqlDir = (await createAndPush(p, 'examples/nodejs-mysql', 'visits')).dir;
  redisDir = (await createAndPush(p, 'test/fixtures/redis-envjson', 'hits')).dir;
}, 900_000);
afterAll(async () => {
  await p?.stop();
});

async function nextVisit(): Promise<string> {
  const { visits, body } = await visit(p, 'visits.localhost');
  expect(visits, body).toBe(last + 1);
  last = visits;
  return body;
}

describe('nodejs-mysql', () => {
  it('counts visits in MySQL through mysql2 and DATABASE_URL', async () => {
    const first = await visit(p, 'visits.localhost');
    expect(first.body).toContain('nodejs-mysql');
    expect(first.visits).toBe(1);
    last = 1;
    await nextVisit();
    await nextVisit();
    const info = await serviceInfo(p, mysqlDir, 'db', true);
    expect(info).toMatchObject({ type: 'mysql', host: 'db', port: 3306 });
    expect(info.url).toBe(`mysql://${info.login}:${info.password}@db:3306/${info.database}`);
    const seen = ok(await p.paas(['run', 'www', '--', 'sh', '-c', 'printf %s "$DATABASE_URL"'], { cwd: mysqlDir }), 'paas run www');
    expect(seen.stdout).toBe(info.url);
    expect(Object.keys(info.env)).toEqual(expect.arrayContaining(['DB_URL', 'PAAS_DB_MYSQL_HOST', 'PAAS_DB_MYSQL_PASSWORD', 'DOTCLOUD_DB_MYSQL_URL']));
  });

  it('a push of new code keeps the database: the count goes on', async () => {
    const db = await dataContainer(p, 'visits', 'db');
    await editFile(mysqlDir, 'server.js', "const TITLE = 'nodejs-mysql';", "const TITLE = 'nodejs-mysql, second release';");
    const pushed = ok(await p.paas(['push'], { cwd: mysqlDir }), 'the second push');
    // A code-only push: the apt and npm ci layers come from the cache.
    expect(pushed.stdout).not.toMatch(/newly installed|added \d+ packages/);
    expect(await nextVisit()).toContain('second release');
    expect((await dataContainer(p, 'visits', 'db'))?.id).toBe(db?.id);
  });

  it('paas run db -- mysql reads the table as the administrator', async () => {
    const r = await p.paas(['run', 'db', '--', 'mysql', '-N', '-B', '-e', "SELECT n FROM counters WHERE name = 'visits'"], { cwd: mysqlDir });
    expect(r.code, shown(r)).toBe(0);
    expect(r.stdout.trim()).toBe(String(last));
  });

  it('MySQL crashes (its process is killed): the engine restarts it and the count goes on', async () => {
    const before = (await dataContainer(p, 'visits', 'db'))!;
    await crashContainer(before);
    await waitForDataRestart(p, 'visits', 'db', before);
    const { visits } = await waitUntil('a visit served again', () => visit(p, 'visits.localhost').catch(() => undefined), 90_000, 500);
    expect(visits).toBe(last + 1);
    last = visits;
    await nextVisit();
  });

  it('docker kill of the MySQL container: it comes back and the count goes on', async () => {
    const before = (await dataContainer(p, 'visits', 'db'))!;
    await dockerKill(before.id);
    await waitForDataRestart(p, 'visits', 'db', before, 60_000);
    const { visits } = await waitUntil('a visit served again', () => visit(p, 'visits.localhost').catch(() => undefined), 90_000, 500);
    expect(visits).toBe(last + 1);
    last = visits;
  });
});

describe('a redis-only app that reads ~/environment.json, as dotCloud apps did', () => {
  it('connects with DOTCLOUD_CACHE_REDIS_URL from /home/dotcloud/environment.json and counts', async () => {
    for (let i = 1; i <= 3; i++) {
      const r = await getVia(p.routerPort, 'hits.localhost', '/');
      expect(r.status, r.body).toBe(200);
      expect(r.body).toBe(`hits: ${i}\n`);
    }
  });

  it('environment.json is pretty-printed, one key per line, every value a string, the same at both paths', async () => {
    const dotcloud = ok(await p.paas(['run', 'www', '--', 'cat', '/home/dotcloud/environment.json'], { cwd: redisDir }), 'cat environment.json');
    const app = ok(await p.paas(['run', 'www', '--', 'cat', '/home/app/environment.json'], { cwd: redisDir }), 'cat environment.json');
    expect(app.stdout).toBe(dotcloud.stdout);
    const env = JSON.parse(dotcloud.stdout) as Record<string, unknown>;
    for (const [k, v] of Object.entries(env)) expect(typeof v, k).toBe('string');
    // Pretty-printed as dotCloud wrote it: "{", one "KEY": "value" line per key, "}".
    const lines = dotcloud.stdout.trim().split('\n');
    expect(lines.length).toBe(Object.keys(env).length + 2);
    const info = await serviceInfo(p, redisDir, 'cache', true);
    expect(env).toMatchObject({
      REDIS_URL: info.url,
      CACHE_URL: info.url,
      DOTCLOUD_CACHE_REDIS_URL: info.url,
      DOTCLOUD_CACHE_REDIS_HOST: 'cache',
      DOTCLOUD_CACHE_REDIS_PORT: '6379',
      DOTCLOUD_CACHE_REDIS_PASSWORD: info.password,
      PAAS_CACHE_REDIS_HOST: 'cache',
      PAAS_CACHE_REDIS_PORT: '6379',
      PAAS_CACHE_REDIS_PASSWORD: info.password,
    });
    expect(env).toHaveProperty('PAAS_CACHE_REDIS_URL');
    expect(env).toHaveProperty('PAAS_CACHE_REDIS_LOGIN');
    expect(env).toHaveProperty('DOTCLOUD_CACHE_REDIS_LOGIN');
    // No SQL service, so no DATABASE_URL.
    expect(env).not.toHaveProperty('DATABASE_URL');
    // The file says what the process environment says.
    const fromEnv = ok(await p.paas(['run', 'www', '--', 'sh', '-c', 'printf %s "$REDIS_URL"'], { cwd: redisDir }), 'echo $REDIS_URL');
    expect(fromEnv.stdout).toBe(env.REDIS_URL);
  });

  it('paas run cache -- redis-cli sees the app\'s key', async () => {
    const r = await p.paas(['run', 'cache', '--', 'redis-cli', 'get', 'hits'], { cwd: redisDir });
    expect(r.code, shown(r)).toBe(0);
    expect(r.stdout.trim()).toBe('3');
  });
});
