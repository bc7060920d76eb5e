import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from '../src/index.js';
import { codeService } from './helpers/code-service.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paas-builders-noengine-'));
  await writeFile(join(dir, 'index.html'), 'hi\n');
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

async function firstError(docker: Dockerode, buildId = 'b1'): Promise<unknown> {
  try {
    for await (const event of buildImage(docker, { app: 'a1', service: codeService({ type: 'static' }), buildId, sourceDir: dir })) void event;
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('buildImage without an engine', () => {
  it('says ENGINE_UNAVAILABLE when nothing listens on the socket', async () => {
    const docker = new Dockerode({ socketPath: join(dir, 'no-such-docker.sock') });
    expect(await firstError(docker)).toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
  });

  it('refuses a build id that cannot be an image tag, before calling the engine', async () => {
    const docker = new Dockerode({ socketPath: join(dir, 'no-such-docker.sock') });
    expect(await firstError(docker, '../x')).toMatchObject({ code: 'INTERNAL' });
  });
});
