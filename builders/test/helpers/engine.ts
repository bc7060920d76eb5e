import { randomBytes } from 'node:crypto';
import Dockerode from 'dockerode';
import type { CodeService } from '@paas/core';
import { buildImage, type BuildEvent, type BuildImageOptions } from '../../src/index.js';

/** One id per test run: every image and container a test makes carries paas.test=<it>. */
export const RUN_ID = `builders-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
export const TEST_LABELS = { 'paas.test': RUN_ID };

export const docker = new Dockerode();

/**
 * Whether the engine answers. In CI a missing engine is a failure, never a
 * skip: the caller throws; locally the engine tests show up as skipped.
 */
export async function engineAnswers(): Promise<boolean> {
  try {
    await docker.ping();
    return true;
  } catch {
    if (process.env['CI']) throw new Error('CI is set but no Docker Engine answers; the engine tests must not be skipped');
    return false;
  }
}

export interface BuildResult {
  imageId: string;
  tag: string;
  events: BuildEvent[];
}

/** Runs buildImage to the end, keeping every event; test labels added. */
export async function build(opts: Omit<BuildImageOptions, 'labels' | 'buildId'> & { buildId?: string }): Promise<BuildResult> {
  const events: BuildEvent[] = [];
  const buildId = opts.buildId ?? `t${randomBytes(4).toString('hex')}`;
  for await (const event of buildImage(docker, { ...opts, buildId, labels: TEST_LABELS })) {
    events.push(event);
    if (event.type === 'done') return { imageId: event.imageId, tag: event.tag, events };
  }
  throw new Error('buildImage ended without a done event');
}

/** Layer ids from the engine, oldest first: one per Dockerfile step. */
export async function imageHistory(imageId: string): Promise<{ id: string; createdBy: string }[]> {
  const history = (await docker.getImage(imageId).history()) as { Id: string; CreatedBy: string }[];
  return history.reverse().map((h) => ({ id: h.Id, createdBy: h.CreatedBy }));
}

/** Removes what this run made: containers first, then images (with their untagged parents). */
export async function removeTestObjects(): Promise<void> {
  const filters = JSON.stringify({ label: [`paas.test=${RUN_ID}`] });
  for (const c of await docker.listContainers({ all: true, filters })) {
    await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  }
  for (const image of await docker.listImages({ filters })) {
    await docker.getImage(image.Id).remove({ force: true }).catch(() => undefined);
  }
}

/** Starts an image the way the scheduler does: $PORT given, published on loopback only. */
export async function startInstance(imageId: string, service: CodeService): Promise<{ id: string; url: string | undefined }> {
  const web = !service.isWorker;
  const container = await docker.createContainer({
    Image: imageId,
    Labels: TEST_LABELS,
    Env: web ? ['PORT=8080', 'PORT_WWW=8080'] : [],
    ExposedPorts: web ? { '8080/tcp': {} } : {},
    HostConfig: web ? { PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } } : {},
  });
  await container.start();
  if (!web) return { id: container.id, url: undefined };
  const info = await container.inspect();
  const port = info.NetworkSettings.Ports['8080/tcp']?.[0]?.HostPort;
  return { id: container.id, url: `http://127.0.0.1:${port}` };
}

/** GETs a URL until it answers or the deadline passes (an instance needs a moment to listen). */
export async function getWhenUp(url: string, timeoutMs = 20_000): Promise<{ status: number; body: string }> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    // A ref'd timer, not AbortSignal.timeout: docker-proxy accepts before the app
    // listens, and an unref'd timer alone would let the process exit mid-wait.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 2_000);
    try {
      const res = await fetch(url, { signal: abort.signal });
      return { status: res.status, body: await res.text() };
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 250));
    } finally {
      clearTimeout(timer);
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms: ${String(last)}`);
}

/** The container's output so far (both streams, demultiplexed). */
export async function containerLogs(id: string): Promise<string> {
  const raw = await docker.getContainer(id).logs({ stdout: true, stderr: true, follow: false });
  let out = '';
  let offset = 0;
  // Without a TTY, each frame is an 8-byte header (stream, 0, 0, 0, size) then the payload.
  while (offset + 8 <= raw.length) {
    const size = raw.readUInt32BE(offset + 4);
    out += raw.subarray(offset + 8, offset + 8 + size).toString('utf8');
    offset += 8 + size;
  }
  return out;
}
