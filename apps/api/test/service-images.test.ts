/**
 * The data service images against the real engine: each stack type is built
 * from its recipe, run hardened as the provisioner runs it (non-root, no
 * capabilities, credentials as a file), used over the network by a client
 * container with the URL an app gets, killed, backed up, fed corrupt dumps,
 * and restored into a fresh service with new credentials.
 */
import { randomBytes } from 'node:crypto';
import { PassThrough, Readable, type Duplex } from 'node:stream';
import { PaasError } from '@paas/core';
import {
  INIT_ENV_DIR, INIT_ENV_FILE, INIT_MARKER, PROVISIONED_TYPES, RESTORE_INVALID_EXIT, STACK_IMAGE, recipeHash, renderInitEnv, serviceDefinition, userIds,
  type Credentials, type ProvisionedType, type ServiceCommand, type ServiceDefinition,
} from '@paas/services';
import type Dockerode from 'dockerode';
import { pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureServiceImage } from '../src/provision/service-image.js';
import { TEST_LABEL, cleanupByLabel, requireDocker, testLabels, testRunId } from './helpers/docker.js';

const docker = await requireDocker();
const MONGO_REF = process.env.PAAS_MONGODB_IMAGE ?? 'mongo:7';
const haveMongo = docker !== null && (await docker.getImage(MONGO_REF).inspect().then(() => true, () => false));

// One client image for every type, kept between runs (not labelled with the run id) so later runs need no apt.
const CLIENT_PACKAGES = 'python3 python3-psycopg2 python3-pymysql python3-redis python3-pika python3-pymongo';
const CLIENT_SCRIPT = String.raw`
import json, os, sys, urllib.parse
kind, action, url = sys.argv[1], sys.argv[2], os.environ['URL']
rows = ['alpha', 'beta', 'gamma']
out = {}
if kind in ('postgresql', 'postgis'):
    import psycopg2
    conn = psycopg2.connect(url)
    conn.autocommit = True
    cur = conn.cursor()
    if action == 'write':
        cur.execute('CREATE TABLE items (id serial PRIMARY KEY, name text)')
        cur.executemany('INSERT INTO items (name) VALUES (%s)', [(r,) for r in rows])
        if kind == 'postgis':
            cur.execute('CREATE TABLE places (id int, geom geometry(Point, 4326))')
            cur.execute('INSERT INTO places VALUES (1, ST_SetSRID(ST_MakePoint(2.35, 48.85), 4326))')
    cur.execute('SELECT name FROM items ORDER BY id')
    out['rows'] = [r[0] for r in cur.fetchall()]
    if kind == 'postgis':
        cur.execute('SELECT ST_AsText(geom) FROM places')
        out['rows'] += [r[0] for r in cur.fetchall()]
elif kind == 'mysql':
    import pymysql
    u = urllib.parse.urlparse(url)
    conn = pymysql.connect(host=u.hostname, port=u.port, user=urllib.parse.unquote(u.username), password=urllib.parse.unquote(u.password), database=u.path[1:], autocommit=True)
    cur = conn.cursor()
    if action == 'write':
        cur.execute('CREATE TABLE items (id int AUTO_INCREMENT PRIMARY KEY, name text) ENGINE=InnoDB')
        cur.executemany('INSERT INTO items (name) VALUES (%s)', rows)
    cur.execute('SELECT name FROM items ORDER BY id')
    out['rows'] = [r[0] for r in cur.fetchall()]
elif kind == 'redis':
    import redis
    r = redis.from_url(url)
    if action == 'write':
        r.rpush('items', *rows)
    out['rows'] = [x.decode() for x in r.lrange('items', 0, -1)]
    # The login's ACL user takes AUTH login password, as clients that put the user in the URL send it.
    u = urllib.parse.urlparse(url)
    with_user = url.replace('redis://:', 'redis://' + os.environ['LOGIN'] + ':', 1)
    out['as_login'] = redis.from_url(with_user).ping()
elif kind == 'rabbitmq':
    import pika
    conn = pika.BlockingConnection(pika.URLParameters(url))
    ch = conn.channel()
    if action == 'write':
        ch.confirm_delivery()
        ch.queue_declare('items', durable=True)
        for r in rows:
            ch.basic_publish('', 'items', r.encode(), pika.BasicProperties(delivery_mode=2), mandatory=True)
    q = ch.queue_declare('items', durable=True, passive=True)
    out['rows'] = ['queue items']
    out['messages'] = q.method.message_count
    conn.close()
elif kind == 'mongodb':
    import pymongo
    db = pymongo.MongoClient(url, serverSelectionTimeoutMS=10000)['app']
    if action == 'write':
        db.items.insert_many([{'_id': i, 'name': r} for i, r in enumerate(rows)])
    out['rows'] = [d['name'] for d in db.items.find().sort('_id')]
print('RESULT ' + json.dumps(out))
`;
const CLIENT_DOCKERFILE = `FROM ${STACK_IMAGE}
RUN apt-get update -qq && apt-get install -y -q --no-install-recommends ${CLIENT_PACKAGES} && rm -rf /var/lib/apt/lists/*
COPY client.py /usr/local/bin/client.py
USER 1000:1000
ENTRYPOINT ["python3", "/usr/local/bin/client.py"]
`;
const CLIENT_IMAGE = `paas-test/service-client:${recipeHash(CLIENT_DOCKERFILE, { 'client.py': { body: CLIENT_SCRIPT, mode: 0o644 } })}`;

/** What each type's client reads back after writing. */
const EXPECTED: Record<ProvisionedType, string[]> = {
  postgresql: ['alpha', 'beta', 'gamma'],
  postgis: ['alpha', 'beta', 'gamma', 'POINT(2.35 48.85)'],
  mysql: ['alpha', 'beta', 'gamma'],
  redis: ['alpha', 'beta', 'gamma'],
  rabbitmq: ['queue items'],
  mongodb: ['alpha', 'beta', 'gamma'],
};

describe.skipIf(!docker)('data service images on the real engine', () => {
  const engine = docker as Dockerode;

  beforeAll(async () => {
    if (await engine.getImage(CLIENT_IMAGE).inspect().then(() => true, () => false)) return;
    await buildClientImage(engine);
  }, 600_000);

  afterAll(async () => {
    await cleanupByLabel(engine);
    // cleanupByLabel leaves volumes: the data volumes go here.
    const { Volumes } = await engine.listVolumes({ filters: { label: [`${TEST_LABEL}=${testRunId}`] } });
    for (const v of Volumes ?? []) await engine.getVolume(v.Name).remove().catch(() => undefined);
  }, 120_000);

  for (const type of PROVISIONED_TYPES.filter((t) => t !== 'mongodb')) {
    it.concurrent(`${type}: kept across a kill, backed up, corrupt restores refused, restored with new credentials`, async () => {
      await lifecycle(engine, type, await ensureServiceImage(engine, serviceDefinition(type), { onLog: () => undefined }));
    }, 900_000);
  }

  (haveMongo ? it.concurrent : it.skip)('mongodb: the same lifecycle on the upstream image (needs mongo image)', async () => {
    const def = serviceDefinition('mongodb');
    await lifecycle(engine, 'mongodb', await ensureServiceImage(engine, def, { env: { PAAS_MONGODB_IMAGE: MONGO_REF } }));
  }, 300_000);

  it('an upstream image that is not on the engine is SERVICE_IMAGE_UNAVAILABLE with a hint', async () => {
    const ref = 'paas-test/no-such-mongo:1';
    const err = await ensureServiceImage(engine, serviceDefinition('mongodb'), { env: { PAAS_MONGODB_IMAGE: ref } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PaasError);
    expect((err as PaasError).code).toBe('SERVICE_IMAGE_UNAVAILABLE');
    expect((err as PaasError).message).toBe(`the mongodb image ${ref} is not on the engine`);
    expect((err as PaasError).hint).toContain(`docker load -i`);
    expect((err as PaasError).hint).toContain(`docker pull ${ref}`);
  });

  it('a failing recipe is one shared build that fails with BUILD_FAILED naming the type and the last lines', async () => {
    const redis = serviceDefinition('redis');
    const ref = `paas-test/broken-service:${testRunId}`;
    const broken: ServiceDefinition = {
      ...redis,
      image: () => ({ kind: 'stack', ref, dockerfile: `FROM ${STACK_IMAGE}\nRUN echo "about to fail" && exit 3\n`, files: {} }),
    };
    const lines: string[] = [];
    const [a, b] = await Promise.all([
      ensureServiceImage(engine, broken, { onLog: (l) => lines.push(l) }).catch((e: unknown) => e),
      ensureServiceImage(engine, broken, { onLog: (l) => lines.push(l) }).catch((e: unknown) => e),
    ]);
    expect(a).toBe(b);
    expect((a as PaasError).code).toBe('BUILD_FAILED');
    expect((a as PaasError).message).toContain('redis service image');
    expect((a as PaasError).message).toContain('about to fail');
    expect(lines).toContain('about to fail');
    await expect(engine.getImage(ref).inspect()).rejects.toMatchObject({ statusCode: 404 });
  }, 60_000);
});

/** The whole life of one type: see the file's comment. */
async function lifecycle(engine: Dockerode, type: ProvisionedType, image: string): Promise<void> {
  const def = serviceDefinition(type);
  const network = await engine.createNetwork({ Name: `paas-test-svc-${type}-${testRunId}`, Labels: testLabels });
  const netName = `paas-test-svc-${type}-${testRunId}`;
  const alias = `db${type.slice(0, 4)}`;
  const first = def.newCredentials();
  const fileBased = def.credentialsVia === 'file';

  const one = await startService(engine, def, image, netName, alias, first, 'a');
  expect(await client(engine, type, 'write', netName, def.url(alias, def.port, first), first)).toMatchObject({ rows: EXPECTED[type] });

  // Nothing secret in what `docker inspect` and `docker history` show.
  const info = JSON.stringify(await one.inspect());
  const history = JSON.stringify(await engine.getImage(image).history());
  for (const secret of [first.password, first.adminPassword]) {
    if (fileBased) expect(info).not.toContain(secret);
    expect(history).not.toContain(secret);
  }

  // Killed: the engine restarts it on its volume, the rows are there, nothing initialised again.
  const before = (await one.inspect()).RestartCount;
  await crash(one);
  await waitFor(async () => {
    const state = await one.inspect();
    return state.RestartCount > before && state.State.Running;
  }, `${type} restarted after the kill`);
  await waitReady(one, def, first);
  const afterKill = await client(engine, type, 'read', netName, def.url(alias, def.port, first), first);
  expect(afterKill).toMatchObject({ rows: EXPECTED[type] });
  if (type === 'rabbitmq') expect(afterKill.messages).toBe(3);
  if (fileBased) {
    const logs = await containerLogs(one);
    expect(logs.split('initialising the data directory').length - 1).toBe(1);
    expect(logs).toContain('data directory already initialised');
    expect((await exec(one, { argv: ['test', '-e', `${def.dataPath}/${INIT_MARKER}`] })).code).toBe(0);
  }

  const backup = await exec(one, def.backup(first));
  expect(backup.code, backup.stderr).toBe(0);
  expect(backup.stdout.length).toBeGreaterThan(0);

  // Corrupt input is refused and the service keeps serving its rows.
  const garbage = await exec(one, def.restore(first), randomBytes(64 * 1024));
  expect(garbage.code, garbage.stderr).not.toBe(0);
  if (fileBased) expect(garbage.code).toBe(RESTORE_INVALID_EXIT);
  const truncated = await exec(one, def.restore(first), truncate(backup.stdout));
  expect(truncated.code, truncated.stderr).not.toBe(0);
  expect(await client(engine, type, 'read', netName, def.url(alias, def.port, first), first)).toMatchObject({ rows: EXPECTED[type] });

  // Gone with its volume; a fresh service with new credentials gets the backup.
  await one.remove({ force: true });
  await engine.getVolume(volumeName(type, 'a')).remove();
  const second = def.newCredentials();
  expect(second.password).not.toBe(first.password);
  const two = await startService(engine, def, image, netName, alias, second, 'b');
  const restored = await exec(two, def.restore(second), backup.stdout);
  expect(restored.code, restored.stderr).toBe(0);
  const url = def.url(alias, def.port, second);
  expect(await client(engine, type, 'read', netName, url, second)).toMatchObject({ rows: EXPECTED[type] });

  // The restored data is on disk, not only in memory (redis rewrites its AOF).
  await crash(two);
  await waitFor(async () => (await two.inspect()).State.Running && (await two.inspect()).RestartCount > 0, `${type} restarted`);
  await waitReady(two, def, second);
  expect(await client(engine, type, 'read', netName, url, second)).toMatchObject({ rows: EXPECTED[type] });
  await two.remove({ force: true });
  await network.remove();
}

function volumeName(type: string, generation: string): string {
  return `paas-test-svc-${type}-${generation}-${testRunId}`;
}

/** Creates and starts a data service container the way the provisioner does, and waits until it is ready. */
async function startService(
  engine: Dockerode, def: ServiceDefinition, image: string, network: string, alias: string, c: Credentials, generation: string,
): Promise<Dockerode.Container> {
  const volume = volumeName(def.type, generation);
  await engine.createVolume({ Name: volume, Labels: testLabels });
  const env = def.containerEnv(c);
  const container = await engine.createContainer({
    name: volume,
    Image: image,
    User: def.user,
    Hostname: alias,
    Env: def.credentialsVia === 'env' ? Object.entries(env).map(([k, v]) => `${k}=${v}`) : [],
    ...(def.command ? { Cmd: def.command } : {}),
    Labels: testLabels,
    HostConfig: {
      NetworkMode: network,
      Init: true,
      CapDrop: ['ALL'],
      ...(def.capAdd.length > 0 ? { CapAdd: def.capAdd } : {}),
      SecurityOpt: ['no-new-privileges'],
      PidsLimit: 512,
      Memory: def.memoryBytes,
      MemorySwap: def.memoryBytes,
      Mounts: [{ Type: 'volume', Source: volume, Target: def.dataPath }],
      RestartPolicy: { Name: 'unless-stopped' },
    },
    NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [alias] } } },
  });
  if (def.credentialsVia === 'file') {
    // Owned by number in the tar header: the engine resolves copyUIDGID's user on the host.
    const { uid, gid } = userIds(def.user);
    const tar = pack();
    tar.entry({ name: INIT_ENV_FILE, mode: 0o600, uid, gid }, renderInitEnv(env));
    tar.finalize();
    const chunks: Buffer[] = [];
    for await (const chunk of tar) chunks.push(chunk as Buffer);
    await container.putArchive(Buffer.concat(chunks), { path: INIT_ENV_DIR });
  }
  await container.start();
  await waitReady(container, def, c);
  return container;
}

async function waitReady(container: Dockerode.Container, def: ServiceDefinition, c: Credentials): Promise<void> {
  await waitFor(async () => (await exec(container, def.readiness(c)).catch(() => ({ code: 1 }))).code === 0, `${def.type} ready`, 180_000);
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`timed out waiting for: ${what}`);
}

/** Runs a command in the container, stdin given (then closed) or none; stdout as bytes. */
async function exec(container: Dockerode.Container, cmd: ServiceCommand, stdin?: Buffer): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  const execution = await container.exec({
    Cmd: cmd.argv,
    Env: Object.entries(cmd.env ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(cmd.user ? { User: cmd.user } : {}),
    AttachStdin: stdin !== undefined,
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = (await execution.start({ hijack: true, stdin: stdin !== undefined })) as Duplex;
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough().on('data', (b: Buffer) => out.push(b));
  const stderr = new PassThrough().on('data', (b: Buffer) => err.push(b));
  container.modem.demuxStream(stream, stdout, stderr);
  const ended = new Promise<void>((resolve, reject) => stream.on('end', resolve).on('close', resolve).on('error', reject));
  if (stdin !== undefined) stream.end(stdin);
  await ended;
  for (let attempt = 0; attempt < 100; attempt++) {
    const state = await execution.inspect();
    if (!state.Running) return { code: state.ExitCode ?? 137, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${cmd.argv.join(' ')} did not finish after its output ended`);
}

/**
 * Kills every process but tini with SIGKILL, as an OOM kill would: tini exits
 * and the restart policy starts the container again. (`docker kill` would not
 * do: Docker 20.10 counts it as a stop by the user and does not restart.)
 */
async function crash(container: Dockerode.Container): Promise<void> {
  await exec(container, { argv: ['sh', '-c', 'kill -KILL -1'] }).catch(() => undefined);
}

/** The first half of a dump, never ending on a closing brace (so a JSON export is visibly incomplete). */
function truncate(dump: Buffer): Buffer {
  let cut = dump.subarray(0, Math.floor(dump.length / 2));
  while (cut.length > 0 && cut[cut.length - 1] === '}'.charCodeAt(0)) cut = cut.subarray(0, cut.length - 1);
  return cut;
}

async function containerLogs(container: Dockerode.Container): Promise<string> {
  return ((await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer).toString('latin1');
}

/** Runs the client in its own container on the network: the service as an app reaches it, by URL. */
async function client(
  engine: Dockerode, type: ProvisionedType, action: 'write' | 'read', network: string, url: string, c: Credentials,
): Promise<{ rows?: string[]; messages?: number }> {
  const container = await engine.createContainer({
    Image: CLIENT_IMAGE,
    Cmd: [type, action],
    Env: [`URL=${url}`, `LOGIN=${c.login}`],
    Labels: testLabels,
    HostConfig: { NetworkMode: network, CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'] },
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const logs = await containerLogs(container);
    const line = /RESULT (.*)/.exec(logs);
    if (StatusCode !== 0 || !line) throw new Error(`${type} client ${action} failed (exit ${StatusCode}):\n${logs}`);
    return JSON.parse(line[1]!) as { rows?: string[]; messages?: number };
  } finally {
    await container.remove({ force: true });
  }
}

async function buildClientImage(engine: Dockerode): Promise<void> {
  const tar = pack();
  tar.entry({ name: 'Dockerfile' }, CLIENT_DOCKERFILE);
  tar.entry({ name: 'client.py', mode: 0o644 }, CLIENT_SCRIPT);
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of tar) chunks.push(chunk as Buffer);
  const stream = await engine.buildImage(Readable.from([Buffer.concat(chunks)]) as unknown as NodeJS.ReadableStream, {
    t: CLIENT_IMAGE,
    labels: { 'paas.test-image': 'service-client' },
    rm: true,
    forcerm: true,
  });
  const events = await new Promise<{ error?: string; stream?: string }[]>((resolve, reject) =>
    engine.modem.followProgress(stream, (err: Error | null, res: { error?: string }[]) => (err ? reject(err) : resolve(res))),
  );
  const failed = events.find((e) => e.error);
  if (failed) throw new Error(`building ${CLIENT_IMAGE} failed: ${failed.error}\n${events.map((e) => e.stream ?? '').join('')}`);
}
