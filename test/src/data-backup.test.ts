import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAndPush, dataContainer, dataVolumes, ok, serviceInfo, shown } from './harness/data.js';
import { startPlatform, type CliResult, type Platform } from './harness/platform.js';

// test/fixtures/data-all: pg (postgresql), my (mysql), kv (redis), mq
// (rabbitmq) beside a worker. Data is written and read with `paas run SVC
// -- client …`, as a user would from a terminal.
const APP = 'vault';
let p: Platform;
let dir: string;

beforeAll(async () => {
  p = await startPlatform();
  // The first push on a machine builds the four service images: minutes.
  dir = (await createAndPush(p, 'test/fixtures/data-all', APP)).dir;
}, 900_000);
afterAll(async () => {
  await p?.stop();
});

const runIn = (service: string, argv: string[], input?: string): Promise<CliResult> =>
  p.paas(['run', service, '--', ...argv], { cwd: dir, ...(input === undefined ? {} : { input }) });

async function runOk(service: string, argv: string[], input?: string): Promise<string> {
  return ok(await runIn(service, argv, input), `paas run ${service} -- ${argv.join(' ')}`).stdout;
}

/** rabbitmq definitions a user would have: a durable queue and a policy in the app's vhost. */
const mqDefinitions = (vhost: string): string =>
  JSON.stringify({
    queues: [{ name: 'paas-orders', vhost, durable: true, auto_delete: false, arguments: {} }],
    policies: [{ vhost, name: 'paas-cap', pattern: '^paas-', 'apply-to': 'queues', definition: { 'max-length': 1000 }, priority: 0 }],
  });
const IMPORT = 'f=$(mktemp) && cat >"$f" && rabbitmqctl -q import_definitions "$f"; s=$?; rm -f "$f"; exit $s';

interface Kind {
  service: string;
  type: string;
  write(): Promise<void>;
  /** What the data reads as: compared before the backup, after the restore, and after a refused restore. */
  read(): Promise<string>;
  /** What read() says of an empty, new service (or a rejection of it). */
  empty(): Promise<string>;
}

const kinds: Kind[] = [
  {
    service: 'pg',
    type: 'postgresql',
    // As the app's login, over TCP, as the app would: the table is the login's.
    write: async () => {
      const pg = await serviceInfo(p, dir, 'pg', true);
      const sql = "CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes VALUES (1, 'alpha'), (2, 'beta ünïcode')";
      await runOk('pg', ['sh', '-c', 'PGPASSWORD="$1" psql -h 127.0.0.1 -U "$2" -d "$3" -v ON_ERROR_STOP=1 -c "$4"', 'sh', pg.password, pg.login, pg.database, sql]);
    },
    read: async () => (await runOk('pg', ['psql', '-tA', '-c', 'SELECT id, body FROM notes ORDER BY id'])).trim(),
    empty: async () => {
      const r = await runIn('pg', ['psql', '-tA', '-c', "SELECT count(*) FROM pg_tables WHERE tablename = 'notes'"]);
      return r.stdout.trim();
    },
  },
  {
    service: 'my',
    type: 'mysql',
    write: async () => {
      await runOk('my', ['mysql', '-e', "CREATE TABLE notes (id INT PRIMARY KEY, body VARCHAR(64)) CHARACTER SET utf8mb4; INSERT INTO notes VALUES (1, 'alpha'), (2, 'beta ünïcode')"]);
    },
    read: async () => (await runOk('my', ['mysql', '-N', '-B', '-e', 'SELECT id, body FROM notes ORDER BY id'])).trim(),
    empty: async () => (await runOk('my', ['mysql', '-N', '-B', '-e', "SELECT count(*) FROM information_schema.tables WHERE table_name = 'notes'"])).trim(),
  },
  {
    service: 'kv',
    type: 'redis',
    write: async () => {
      await runOk('kv', ['redis-cli', 'set', 'greeting', 'hello from the backup']);
      await runOk('kv', ['redis-cli', 'rpush', 'queue', 'a', 'b', 'c']);
    },
    read: async () => `${(await runOk('kv', ['redis-cli', 'get', 'greeting'])).trim()} | ${(await runOk('kv', ['redis-cli', 'lrange', 'queue', '0', '-1'])).trim().split('\n').join(',')}`,
    empty: async () => (await runOk('kv', ['redis-cli', 'dbsize'])).trim(),
  },
  {
    service: 'mq',
    type: 'rabbitmq',
    write: async () => {
      const vhost = (await serviceInfo(p, dir, 'mq')).database;
      await runOk('mq', ['bash', '-c', IMPORT], mqDefinitions(vhost));
    },
    read: async () => {
      const vhost = (await serviceInfo(p, dir, 'mq')).database;
      const queues = (await runOk('mq', ['rabbitmqctl', '-q', 'list_queues', '-p', vhost, 'name', 'durable'])).trim().split('\n').filter((l) => l.startsWith('paas-'));
      const policies = (await runOk('mq', ['rabbitmqctl', '-q', 'list_policies', '-p', vhost])).split('\n').filter((l) => l.includes('paas-cap')).map((l) => l.split('\t').slice(0, 4).join(' '));
      return [...queues, ...policies].join(' | ');
    },
    empty: async () => {
      const vhost = (await serviceInfo(p, dir, 'mq')).database;
      return (await runOk('mq', ['rabbitmqctl', '-q', 'list_queues', '-p', vhost, 'name'])).trim().split('\n').filter((l) => l.startsWith('paas-')).join(',');
    },
  },
];

const before = new Map<string, string>();
const passwords = new Map<string, string>();
const file = (service: string): string => join(dir, `${service}.paasbak`);

describe('backup, destroy, push, restore', () => {
  it('writes data into each service and backs each up to a file', async () => {
    for (const k of kinds) {
      await k.write();
      const value = await k.read();
      expect(value, k.service).not.toBe('');
      before.set(k.service, value);
      passwords.set(k.service, (await serviceInfo(p, dir, k.service, true)).password);
      const r = await p.paas(['backup', k.service, '-o', file(k.service)], { cwd: dir });
      expect(r.code, `${k.service}: ${shown(r)}`).toBe(0);
      expect(r.stdout + r.stderr).toContain(`${k.service} (${k.type})`);
      const head = (await readFile(file(k.service))).subarray(0, 64).toString('latin1');
      expect(head).toMatch(new RegExp(`^PAAS-BACKUP 1 ${k.type} ${k.service} `));
      expect((await stat(file(k.service))).mode & 0o077).toBe(0);
    }
    expect(before.get('pg')).toBe('1|alpha\n2|beta ünïcode');
    expect(before.get('my')).toBe('1\talpha\n2\tbeta ünïcode');
    expect(before.get('kv')).toBe('hello from the backup | a,b,c');
    expect(before.get('mq')).toMatch(/^paas-orders\s+true \| .*paas-cap/);
  });

  it('paas destroy SERVICE --yes removes each service with its volume; the app keeps running', async () => {
    for (const k of kinds) {
      const refused = await p.paas(['destroy', k.service], { cwd: dir });
      expect(refused.code, `without --yes: ${shown(refused)}`).toBe(2);
      expect(await dataContainer(p, APP, k.service)).not.toBeNull();
      const r = await p.paas(['destroy', k.service, '--yes'], { cwd: dir });
      expect(r.code, `${k.service}: ${shown(r)}`).toBe(0);
      expect(await dataContainer(p, APP, k.service)).toBeNull();
      expect(await dataVolumes(p, APP, k.service)).toEqual([]);
      const info = await p.paas(['info', k.service], { cwd: dir });
      expect(info.code, shown(info)).not.toBe(0);
    }
    const ps = JSON.parse(ok(await p.paas(['ps', '--json'], { cwd: dir }), 'ps').stdout) as { name: string; state: string }[];
    expect(ps.map((i) => `${i.name} ${i.state}`)).toEqual(['worker.1 healthy']);
  });

  it('the next push creates them again, empty, with new credentials', async () => {
    ok(await p.paas(['push'], { cwd: dir }), 'the push after destroy');
    for (const k of kinds) {
      const info = await serviceInfo(p, dir, k.service, true);
      expect(info.password, k.service).not.toBe(passwords.get(k.service));
      passwords.set(k.service, info.password);
    }
    expect(await kinds[0]!.empty()).toBe('0');
    expect(await kinds[1]!.empty()).toBe('0');
    expect(await kinds[2]!.empty()).toBe('0');
    expect(await kinds[3]!.empty()).toBe('');
  });

  it('paas restore SERVICE FILE --yes brings back the same rows, keys and definitions', async () => {
    for (const k of kinds) {
      const refused = await p.paas(['restore', k.service, file(k.service)], { cwd: dir });
      expect(refused.code, `without --yes: ${shown(refused)}`).toBe(2);
      const r = await p.paas(['restore', k.service, file(k.service), '--yes'], { cwd: dir });
      expect(r.code, `${k.service}: ${shown(r)}`).toBe(0);
      expect(await k.read(), k.service).toBe(before.get(k.service));
      // The service keeps its new credentials: the restore did not bring the old ones back.
      expect((await serviceInfo(p, dir, k.service, true)).password).toBe(passwords.get(k.service));
    }
  });

  it('the app login works after the restore, with the new credentials, on the tables it owns', async () => {
    const pg = await serviceInfo(p, dir, 'pg', true);
    const asApp = await runIn('pg', ['sh', '-c', `PGPASSWORD="$1" psql -h 127.0.0.1 -U ${pg.login} -d ${pg.database} -tA -c 'SELECT count(*) FROM notes'`, 'sh', pg.password]);
    expect(asApp.code, shown(asApp)).toBe(0);
    expect(asApp.stdout.trim()).toBe('2');
    const mq = await serviceInfo(p, dir, 'mq', true);
    const auth = await runIn('mq', ['rabbitmqctl', '-q', 'authenticate_user', mq.login, mq.password]);
    expect(auth.code, shown(auth)).toBe(0);
  });

  it('a backup of one type is refused by a service of another', async () => {
    const r = await p.paas(['restore', 'my', file('pg'), '--yes'], { cwd: dir });
    expect(r.code, shown(r)).toBe(3);
    expect(r.stderr).toMatch(/postgresql/);
    expect(await kinds[1]!.read()).toBe(before.get('my'));
  });
});

describe('corrupt backup files are refused and change nothing', () => {
  for (const k of kinds) {
    it(`${k.type}: random bytes, and a valid backup with bytes flipped in the middle`, async () => {
      const random = join(dir, `${k.service}.random`);
      await writeFile(random, randomBytes(64 * 1024));
      const valid = await readFile(file(k.service));
      const flipped = Buffer.from(valid);
      const mid = Math.floor(flipped.length / 2);
      for (let i = mid; i < Math.min(mid + 16, flipped.length - 200); i++) flipped[i] = flipped[i]! ^ 0xff;
      expect(flipped.equals(valid)).toBe(false);
      const flippedFile = join(dir, `${k.service}.flipped`);
      await writeFile(flippedFile, flipped);
      const truncated = join(dir, `${k.service}.truncated`);
      await writeFile(truncated, valid.subarray(0, Math.floor(valid.length * 0.7)));

      for (const [what, path] of [['random bytes', random], ['flipped bytes', flippedFile], ['a truncated file', truncated]] as const) {
        const r = await p.paas(['restore', k.service, path, '--yes'], { cwd: dir });
        expect(r.code, `${what}: ${shown(r)}`).not.toBe(0);
        expect(r.code, `${what}: ${shown(r)}`).toBe(3);
        expect(r.stderr, what).toMatch(/not a complete paas backup|corrupt|truncated/);
        expect(r.stderr, what).toMatch(/hint: /);
        expect(await k.read(), `${k.service} after ${what}`).toBe(before.get(k.service));
      }
    });
  }
});
