import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from '../src/index.js';
import { codeService } from './helpers/code-service.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paas-builders-confined-'));
  await mkdir(join(dir, 'web'));
  await writeFile(join(dir, 'web', 'run.sh'), 'echo hi\n');
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

const service = codeService({ type: 'custom', approot: 'web', dockerfile: 'Dockerfile', ports: {} });
const labels = { 'paas.platform': 'p1', 'paas.test': 't' };

/** An engine that records what it is asked; `build` answers a build with an image id. */
function fakeEngine(): { docker: Dockerode; calls: string[]; context: Promise<Map<string, string>>; options: Promise<Record<string, unknown>> } {
  const calls: string[] = [];
  let gotContext!: (files: Map<string, string>) => void;
  let gotOptions!: (opts: Record<string, unknown>) => void;
  const context = new Promise<Map<string, string>>((r) => (gotContext = r));
  const options = new Promise<Record<string, unknown>>((r) => (gotOptions = r));
  const engine = {
    ping: async () => { calls.push('ping'); return 'OK'; },
    buildImage: async (stream: NodeJS.ReadableStream, opts: Record<string, unknown>) => {
      calls.push('buildImage');
      gotOptions(opts);
      const files = new Map<string, string>();
      const extract = tar.extract();
      extract.on('entry', (header, body, next) => {
        const chunks: Buffer[] = [];
        body.on('data', (c: unknown) => chunks.push(c as Buffer));
        body.on('end', () => { files.set(header.name, Buffer.concat(chunks).toString('utf8')); next(); });
      });
      extract.on('finish', () => gotContext(files));
      stream.pipe(extract);
      // The real engine reads the whole context before it answers.
      await context;
      return Readable.from([`${JSON.stringify({ stream: 'Step 1/1 : FROM paas/stack:bookworm\n' })}\n`, `${JSON.stringify({ aux: { ID: 'sha256:abc' } })}\n`]);
    },
  };
  const docker = new Proxy(engine, {
    get(target, prop) {
      if (prop in target) return target[prop as keyof typeof target];
      if (prop === 'then') return undefined;
      calls.push(String(prop));
      return () => { throw new Error(`unexpected engine call ${String(prop)}`); };
    },
  }) as unknown as Dockerode;
  return { docker, calls, context, options };
}

async function drain(docker: Dockerode): Promise<unknown> {
  try {
    for await (const event of buildImage(docker, { app: 'shop', service, buildId: 'b1', sourceDir: dir, labels, networkMode: 'paas-p1-build' })) void event;
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('buildImage with the app\'s own Dockerfile', () => {
  it('refuses a Dockerfile before asking the engine anything, and leaves no temporary file', async () => {
    await writeFile(join(dir, 'web', 'Dockerfile'), 'FROM paas/stack:bookworm\nADD http://127.0.0.1:8443/ /x\n');
    const before = (await readdir(tmpdir())).filter((n) => n.startsWith('paas-dockerfile-'));
    const { docker, calls } = fakeEngine();
    expect(await drain(docker)).toMatchObject({ code: 'DOCKERFILE_REFUSED', path: 'www.dockerfile', message: expect.stringMatching(/^Dockerfile:2: /) });
    expect(calls).toEqual([]);
    expect((await readdir(tmpdir())).filter((n) => n.startsWith('paas-dockerfile-'))).toEqual(before);
  });

  it('sends the checked Dockerfile with the cache scope in place of the app\'s, on the build network', async () => {
    await writeFile(join(dir, 'web', 'Dockerfile'), 'FROM paas/stack:bookworm AS base\nCOPY run.sh /r\nFROM base\n');
    const before = (await readdir(tmpdir())).filter((n) => n.startsWith('paas-dockerfile-'));
    const { docker, calls, context, options } = fakeEngine();
    expect(await drain(docker)).toBeUndefined();
    expect(calls).toEqual(['ping', 'buildImage']);
    const files = await context;
    expect(files.get('Dockerfile')).toBe('FROM paas/stack:bookworm AS base\nLABEL "paas.cache-scope"="p1/shop"\nCOPY run.sh /r\nFROM base\n');
    expect(files.get('run.sh')).toBe('echo hi\n');
    expect(await options).toMatchObject({ dockerfile: 'Dockerfile', networkmode: 'paas-p1-build', t: 'paas/shop/www:b1' });
    expect((await readdir(tmpdir())).filter((n) => n.startsWith('paas-dockerfile-'))).toEqual(before);
  });
});
