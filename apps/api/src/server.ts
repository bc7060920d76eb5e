import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { loadEdges } from './app-edges.js';
import { Deployer } from './deploy/deployer.js';
import { AppLocks } from './locks.js';
import type { Platform } from './platform.js';
import { Provisioner } from './provision/provisioner.js';
import { InstanceChecker } from './health/instance-checker.js';
import { keepInstanceLogs } from './logs/keep-logs.js';
import { platformLines } from './logs/platform-line.js';
import { loadPlatformId } from './platform-id.js';
import { Reconciler } from './reconciler.js';
import { RouteTableManager } from './route-table.js';
import { HttpRouterControl } from './router-client.js';
import { AcmeIssuer } from './tls/acme-issuer.js';
import { CertFiles } from './tls/cert-files.js';
import { CertificateManager } from './tls/certificates.js';
import { openBuildNetwork } from './build-network.js';
import { openBuildCgroups } from './build-cgroups.js';
import { DockerRuntime, type Runtime } from './runtime/index.js';
import { openMultiNode } from './multi-node.js';
import { openStore } from './store/index.js';
import { hashToken, newToken } from './tokens.js';

/** The API process: opens the store, starts the control loop, listens; closes gracefully on SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig();
  // Everything the API writes (the store's files, tokens, uploads) is its user's alone.
  process.umask(0o077);
  // PAAS_HOME holds the store, tokens and keys: no other local user may read it (reliability 40).
  await mkdir(config.home, { recursive: true, mode: 0o700 });
  await chmod(config.home, 0o700);
  // Uploads left by a crash are never resumed.
  await rm(join(config.home, 'tmp'), { recursive: true, force: true });
  await mkdir(join(config.home, 'tmp'), { recursive: true, mode: 0o700 });
  const platformId = await loadPlatformId(config.home);

  const store = await openStore({ ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}), dataDir: config.home });
  if ((await store.countUsers()) === 0) {
    const token = newToken();
    await store.createUser('admin', true, hashToken(token));
    await writeFile(join(config.home, 'admin.token'), `${token}\n`, { mode: 0o600 });
  }

  const docker = new Dockerode();
  const router = new HttpRouterControl(config.routerControlUrl, config.routerToken);
  const multi = await openMultiNode(config, docker, platformId, (msg) => console.log(msg));
  const runtime: Runtime = multi?.runtime ?? new DockerRuntime(docker, { platformId, labels: config.labels, pool: config.networkPool });
  const routes = new RouteTableManager(router, { domain: config.domain, load: (app) => loadEdges(store, app) });
  const locks = new AppLocks(store, config.lockWaitMs);
  const labels = { ...config.labels, 'paas.platform': platformId };
  let log = (msg: string): void => console.log(msg);
  const provisioner = new Provisioner({
    store,
    runtime,
    docker,
    labels: config.labels,
    imageEnv: config.serviceImageEnv,
    tmpDir: join(config.home, 'tmp'),
    readyTimeoutMs: config.serviceReadyTimeoutMs,
  });
  const deployer = new Deployer({
    store,
    runtime,
    routes,
    router,
    domain: config.domain,
    labels,
    limits: { memoryBytes: config.instanceMemoryBytes, cpus: config.instanceCpus, pids: config.instancePids },
    workerAliveMs: config.workerAliveMs,
    drainTimeoutMs: config.drainTimeoutMs,
    stopGraceMs: config.stopGraceMs,
    serviceEnv: (app, spec) => provisioner.envFor(app, spec),
    keepLogs: keepInstanceLogs(store, runtime, config.logRetainLines, (msg) => log(msg)),
    log: (msg) => log(msg),
  });
  let checker: InstanceChecker | undefined;
  const reconciler = new Reconciler({
    store, runtime, deployer, locks, routes, resyncIntervalMs: config.resyncIntervalMs, log: (msg) => log(msg),
    reviveDataServices: (app) => provisioner.revive(app),
    onEvent: (event) => checker?.onEvent(event),
  });
  checker = new InstanceChecker({
    store, deployer, routes, locks, enabled: config.healthChecks, failures: config.healthFailures, minIntervalMs: config.healthIntervalMs, log: (msg) => log(msg),
    note: platformLines(store, config.logRetainLines),
    wake: (app) => reconciler.wake(app),
  });
  const certificates = new CertificateManager({
    config,
    store,
    control: router,
    ...(config.acme ? { issuer: new AcmeIssuer(config.acme, new CertFiles(config.home), router) } : {}),
    log: (msg) => log(msg),
  });
  const buildNetwork = await openBuildNetwork(docker, { platformId, labels, pool: config.networkPool, log: (msg) => log(msg) });
  const buildCgroups = await openBuildCgroups(docker, { platformId, pids: config.buildPids });
  const platform: Platform = {
    config,
    platformId,
    buildNetwork: buildNetwork.name,
    buildCgroups,
    store,
    docker,
    runtime,
    router,
    routes,
    locks,
    deployer,
    provisioner,
    certificates,
    wake: (app) => reconciler.wake(app),
  };
  const app = buildApp(platform, { logger: true });
  log = (msg: string): void => app.log.info(msg);
  log(buildCgroups.describe);

  // An operator's certificate that does not check out stops the API here, with its CERT_* reason.
  await certificates.start();
  if (certificates.platform?.origin === 'self-signed') log(`tls: serving a self-signed certificate for *.${config.domain} (set PAAS_TLS_CERT_FILE and PAAS_TLS_KEY_FILE for a real one)`);

  // The first pass needs the router's table version; retry while the router starts.
  for (let attempt = 1; ; attempt++) {
    try {
      await reconciler.start();
      checker.start();
      log(`reconciled (platform ${platformId})`);
      break;
    } catch (err) {
      if (attempt >= 30) throw err;
      app.log.warn({ err: (err as Error).message }, 'reconcile failed; retrying');
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }

  await app.listen({ host: config.host, port: config.port });

  let closing = false;
  const close = async (): Promise<void> => {
    if (closing) return;
    closing = true;
    await checker?.stop();
    await reconciler.stop();
    await certificates.stop();
    await app.close();
    await buildNetwork.close();
    await multi?.close();
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
