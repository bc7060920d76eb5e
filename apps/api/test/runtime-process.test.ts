import type Dockerode from 'dockerode';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../src/runtime/docker-runtime.js';
import type { InstanceSpec, InstanceState, ProcessSession } from '../src/runtime/types.js';
import { STACK_IMAGE, buildTestImage, cleanupByLabel, requireDocker, testAppName, testLabels, testRunId } from './helpers/docker.js';

/*
 * attach (exec in a running instance) and runOneOff (a fresh container) of
 * the docker driver, against the real engine: what `paas run` bridges.
 */
const docker = await requireDocker();
const APP = testAppName('proc');
const IMAGE = `paas-test/process:${testRunId}`;
const PLATFORM = `t${randomBytes(3).toString('hex')}`;

/** A deployed-looking image: code in ~/current, a process that just waits. */
const DOCKERFILE = `FROM ${STACK_IMAGE}
RUN mkdir -p /home/app/current && echo hello > /home/app/current/README && chown -R 1000:1000 /home/app/current
USER app
WORKDIR /home/app/current
CMD ["sleep", "infinity"]
`;

async function readAll(stream: Readable | null): Promise<string> {
  if (!stream) return '';
  let text = '';
  for await (const chunk of stream) text += (chunk as Buffer).toString('utf8');
  return text;
}

/** Reads stdout until `pattern` shows up (TTY sessions end only when the shell does). */
async function readUntil(stream: Readable, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  let text = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.off('data', onData);
      reject(new Error(`no ${pattern} within ${timeoutMs} ms; got ${JSON.stringify(text)}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('utf8');
      if (pattern.test(text)) {
        clearTimeout(timer);
        stream.off('data', onData);
        resolve(text);
      }
    };
    stream.on('data', onData);
  });
}

async function outcome(session: ProcessSession): Promise<{ stdout: string; stderr: string; code: number }> {
  const [stdout, stderr] = await Promise.all([readAll(session.stdout), readAll(session.stderr)]);
  return { stdout, stderr, code: await session.wait() };
}

describe.skipIf(!docker)('DockerRuntime processes against the real engine', () => {
  const engine = docker as Dockerode;
  const runtime = new DockerRuntime(engine, { platformId: PLATFORM, labels: testLabels });
  let www: InstanceState;

  const spec = (over: Partial<InstanceSpec> = {}): InstanceSpec => ({
    app: APP, service: 'www', release: 'v1', index: 1, image: IMAGE, env: { PAAS_INSTANCE: 'www.1', GREETING: 'hi $(id)' }, ports: [], ...over,
  });

  /** Processes of the app user in the instance, other than the instance's own sleep. */
  async function userProcesses(): Promise<string[]> {
    const r = await runtime.exec(www.id, 'ps -u app -o pid=,args= 2>/dev/null || for p in /proc/[0-9]*; do tr "\\0" " " < $p/cmdline; echo; done', 5_000);
    return r.output.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.includes('sleep infinity') && !/\bps\b|\/proc|tr /.test(l));
  }

  beforeAll(async () => {
    await buildTestImage(engine, { tag: IMAGE, dockerfile: DOCKERFILE });
    www = await runtime.startInstance(spec());
  }, 120_000);

  afterAll(async () => {
    if (docker) await cleanupByLabel(docker);
  }, 60_000);

  it('attach: separate stdout and stderr, the exit code, as the app user in ~/current with the instance env', async () => {
    const s = await runtime.attach(www.id, {
      argv: ['sh', '-c', 'echo out; echo err >&2; id -un; pwd; echo "$GREETING"; echo "$PAAS_INSTANCE"; exit 3'],
      tty: false,
    });
    s.stdin.end();
    const r = await outcome(s);
    expect(r).toEqual({ stdout: 'out\napp\n/home/app/current\nhi $(id)\nwww.1\n', stderr: 'err\n', code: 3 });
  });

  it('attach: argv reaches the process exactly, no shell in between', async () => {
    const s = await runtime.attach(www.id, { argv: ['printf', '%s|', 'a b', '$(id)', "'q'", ''], tty: false });
    s.stdin.end();
    expect(await outcome(s)).toEqual({ stdout: "a b|$(id)|'q'||", stderr: '', code: 0 });
  });

  it('attach: stdin is streamed and its end is EOF (cat echoes 300 KiB byte for byte)', async () => {
    const data = randomBytes(300 * 1024);
    const s = await runtime.attach(www.id, { argv: ['cat'], tty: false });
    const chunks: Buffer[] = [];
    s.stdout.on('data', (c: Buffer) => chunks.push(c));
    s.stdin.end(data);
    const code = await s.wait();
    expect(code).toBe(0);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
  });

  it('attach: a reader that does not read holds the process back instead of filling memory', async () => {
    const total = 20 * 1024 * 1024;
    const s = await runtime.attach(www.id, { argv: ['sh', '-c', `head -c ${total} /dev/zero; echo done >&2`], tty: false });
    s.stdin.end();
    await new Promise((r) => setTimeout(r, 1500));
    // Only what the pipes and sockets hold on the way, not the 20 MiB.
    expect(s.stdout.readableLength).toBeLessThan(2 * 1024 * 1024);
    const r = await outcome(s);
    expect(r.stdout.length).toBe(total);
    expect(r.stderr).toBe('done\n');
    expect(r.code).toBe(0);
  });

  it('attach: a command that does not exist exits 127', async () => {
    const s = await runtime.attach(www.id, { argv: ['no-such-command-here'], tty: false });
    s.stdin.end();
    const r = await outcome(s);
    expect(r.code).toBe(127);
  });

  it('attach: a TTY merges output, takes the size and a resize', async () => {
    const s = await runtime.attach(www.id, { argv: ['sh'], tty: true, cols: 91, rows: 33 });
    expect(s.stderr).toBeNull();
    s.stdin.write('stty size; echo "[$(id -un)]"\n');
    const first = await readUntil(s.stdout, /\[app\]/);
    expect(first).toContain('33 91');
    await s.resize(120, 40);
    s.stdin.write('stty size\n');
    await readUntil(s.stdout, /40 120/);
    s.stdin.write('exit 5\n');
    const rest = readAll(s.stdout);
    expect(await s.wait()).toBe(5);
    await rest;
  });

  it('attach: kill() ends the process in the instance', async () => {
    const s = await runtime.attach(www.id, { argv: ['sh', '-c', 'echo started; exec sleep 3000'], tty: false });
    await readUntil(s.stdout, /started/);
    expect((await userProcesses()).some((l) => l.includes('sleep 3000'))).toBe(true);
    await s.kill();
    await expect.poll(async () => (await userProcesses()).some((l) => l.includes('sleep 3000')), { timeout: 5_000 }).toBe(false);
    // The instance itself is untouched.
    expect((await runtime.inspectInstance(www.id))?.running).toBe(true);
  });

  it('attach: kill() also ends a TTY session and what it started', async () => {
    const s = await runtime.attach(www.id, { argv: ['sh'], tty: true });
    s.stdin.write('sleep 3001 & sleep 3002\n');
    await expect.poll(async () => (await userProcesses()).filter((l) => /sleep 300[12]/.test(l)).length, { timeout: 5_000 }).toBe(2);
    await s.kill();
    await expect.poll(async () => (await userProcesses()).filter((l) => /sleep 300[12]/.test(l)).length, { timeout: 5_000 }).toBe(0);
  });

  it('runOneOff: a fresh container with the spec env and limits, removed when the process ends', async () => {
    const oneOff = spec({ index: 2, env: { PAAS_INSTANCE: 'www.2' }, limits: { pids: 64, memoryBytes: 128 * 1024 * 1024 } });
    const s = await runtime.runOneOff(oneOff, { argv: ['sh', '-c', 'echo "$PAAS_INSTANCE $(id -un) $(pwd)"; cat ~/environment.json; echo e >&2; exit 4'], tty: false });
    const listed = await engine.listContainers({ all: true, filters: { label: [`paas.test=${testRunId}`, 'paas.oneoff=1'] } });
    expect(listed).toHaveLength(1);
    const info = await engine.getContainer(listed[0]!.Id).inspect();
    expect(info.HostConfig.PidsLimit).toBe(64);
    expect(info.HostConfig.Memory).toBe(128 * 1024 * 1024);
    expect(info.Config.Labels).toMatchObject({ 'paas.app': APP, 'paas.service': 'www', 'paas.oneoff': '1', 'paas.platform': PLATFORM });
    expect(info.Config.Labels['paas.managed']).toBeUndefined();
    s.stdin.end();
    const r = await outcome(s);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/^www\.2 app \/home\/app\/current\n/);
    expect(JSON.parse(r.stdout.split('\n').slice(1).join('\n'))).toEqual({ PAAS_INSTANCE: 'www.2' });
    expect(r.stderr).toBe('e\n');
    await expect.poll(async () => (await engine.listContainers({ all: true, filters: { label: [`paas.test=${testRunId}`, 'paas.oneoff=1'] } })).length, { timeout: 10_000 }).toBe(0);
    // Not an instance: the scheduler never sees it.
    expect((await runtime.listInstances({ app: APP })).map((i) => i.id)).toEqual([www.id]);
  });

  it('runOneOff: stdin streams and its end is EOF', async () => {
    const data = randomBytes(200 * 1024);
    const s = await runtime.runOneOff(spec({ index: 3 }), { argv: ['cat'], tty: false });
    const chunks: Buffer[] = [];
    s.stdout.on('data', (c: Buffer) => chunks.push(c));
    s.stdin.end(data);
    expect(await s.wait()).toBe(0);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
  });

  it('runOneOff: a TTY with size and resize; kill() removes the container', async () => {
    const s = await runtime.runOneOff(spec({ index: 4 }), { argv: ['sh'], tty: true, cols: 77, rows: 22 });
    s.stdin.write('stty size\n');
    await readUntil(s.stdout, /22 77/);
    await s.resize(100, 30);
    s.stdin.write('stty size\n');
    await readUntil(s.stdout, /30 100/);
    await s.kill();
    await expect.poll(async () => (await engine.listContainers({ all: true, filters: { label: [`paas.test=${testRunId}`, 'paas.oneoff=1'] } })).length, { timeout: 10_000 }).toBe(0);
  });

  it('runOneOff: a TTY session exits with the shell', async () => {
    const s = await runtime.runOneOff(spec({ index: 5 }), { argv: ['sh'], tty: true });
    s.stdin.write('exit 6\n');
    const out = readAll(s.stdout);
    expect(await s.wait()).toBe(6);
    await out;
  });
});
