import Dockerode from 'dockerode';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DockerRuntime } from '../src/runtime/docker-runtime.js';

/** A TCP port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('DockerRuntime without an engine', () => {
  it('reports a missing socket as ENGINE_UNAVAILABLE', async () => {
    const runtime = new DockerRuntime(new Dockerode({ socketPath: '/nonexistent/docker.sock' }), { platformId: 'nope01' });
    await expect(runtime.listInstances({ app: 'blog' })).rejects.toMatchObject({
      name: 'PaasError', code: 'ENGINE_UNAVAILABLE', message: 'the Docker Engine does not answer (ENOENT)',
    });
  });

  it('reports a refused connection as ENGINE_UNAVAILABLE', async () => {
    const runtime = new DockerRuntime(new Dockerode({ host: '127.0.0.1', port: await closedPort(), protocol: 'http' }), { platformId: 'nope01' });
    await expect(runtime.inspectInstance('abc')).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE', message: 'the Docker Engine does not answer (ECONNREFUSED)' });
    await expect(runtime.ensureNetwork('blog')).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
  });
});
