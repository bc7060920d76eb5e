import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { AppLocks } from './locks.js';
import type { Platform } from './platform.js';
import { reconcile, syncRoutes } from './reconcile.js';
import { RouteTableManager } from './route-table.js';
import { HttpRouterControl } from './router-client.js';
import { DockerRuntime } from './runtime/index.js';
import { openStore } from './store/index.js';
import { hashToken, newToken } from './tokens.js';

/** The API process: opens the store, reconciles, listens; closes gracefully on SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig();
  await mkdir(config.home, { recursive: true, mode: 0o700 });
  // Uploads left by a crash are never resumed.
  await rm(join(config.home, 'tmp'), { recursive: true, force: true });
  await mkdir(join(config.home, 'tmp'), { recursive: true, mode: 0o700 });

  const store = await openStore({ ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}), dataDir: config.home });
  if ((await store.countUsers()) === 0) {
    const token = newToken();
    await store.createUser('admin', true, hashToken(token));
    await writeFile(join(config.home, 'admin.token'), `${token}\n`, { mode: 0o600 });
  }

  const docker = new Dockerode();
  const router = new HttpRouterControl(config.routerControlUrl, config.routerToken);
  const platform: Platform = {
    config,
    store,
    docker,
    runtime: new DockerRuntime(docker, { labels: config.labels }),
    router,
    routes: new RouteTableManager(router),
    locks: new AppLocks(),
  };
  const app = buildApp(platform, { logger: true });
  const log = (msg: string): void => app.log.info(msg);

  let reconciled = false;
  const tick = async (): Promise<void> => {
    try {
      if (!reconciled) {
        await reconcile(platform, log);
        reconciled = true;
        log('reconciled');
      } else {
        await syncRoutes(platform);
      }
    } catch (err) {
      app.log.warn({ err: (err as Error).message }, reconciled ? 'route sync failed' : 'reconcile failed; retrying');
    }
  };
  await tick();
  const timer = setInterval(() => void tick(), config.syncIntervalMs);

  await app.listen({ host: config.host, port: config.port });

  let closing = false;
  const close = async (): Promise<void> => {
    if (closing) return;
    closing = true;
    clearInterval(timer);
    await app.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void close());
  process.on('SIGINT', () => void close());
}

main().catch((err: unknown) => {
  console.error(`paas-api: ${(err as Error)?.stack ?? String(err)}`);
  process.exit(1);
});
