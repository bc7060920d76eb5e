import { PaasError, type CodeService } from '@paas/core';
import { hookCommand } from '@paas/builders';
import { waitHealthy } from '../health/index.js';
import type { InstanceLimits, InstanceState, Runtime } from '../runtime/types.js';
import { httpPort, instanceEnv, publishedPorts } from './instance-env.js';

export interface StartInstanceInput {
  runtime: Runtime;
  app: string;
  service: CodeService;
  release: string;
  index: number;
  image: string;
  appEnv?: Record<string, string>;
  serviceEnv?: Record<string, string>;
  limits?: InstanceLimits;
  labels?: Record<string, string>;
  workerAliveMs: number;
  onState?: (instance: string, state: 'starting' | 'running' | 'healthy' | 'failed') => void;
  /** Called with the instance as soon as it exists, before it is healthy. */
  onCreated?: (state: InstanceState) => void;
  /** Nodes it must not be placed on (a node being drained). */
  avoidNodes?: string[];
}

const LOG_LINES = 20;

/**
 * Starts one instance, runs postinstall in it, and waits until it is healthy.
 * On failure the instance is removed and the error carries its last log lines.
 */
export async function startHealthyInstance(input: StartInstanceInput): Promise<InstanceState> {
  const { runtime, app, service, release, index } = input;
  const name = `${service.name}.${index}`;
  input.onState?.(name, 'starting');
  const state = await runtime.startInstance({
    app,
    service: service.name,
    release,
    index,
    image: input.image,
    env: instanceEnv({
      app, service, release, index,
      ...(input.appEnv ? { appEnv: input.appEnv } : {}),
      ...(input.serviceEnv ? { serviceEnv: input.serviceEnv } : {}),
    }),
    ports: publishedPorts(service),
    ...(input.limits ? { limits: input.limits } : {}),
    ...(input.labels ? { labels: input.labels } : {}),
    ...(input.avoidNodes?.length ? { avoidNodes: input.avoidNodes } : {}),
  });
  input.onCreated?.(state);
  input.onState?.(name, 'running');
  let postinstallOutput: string[] | undefined;
  try {
    if (service.postinstall) {
      // Run like the build's hooks: a script committed without the executable bit runs through its #! line.
      const result = await runtime.exec(state.id, hookCommand(service.postinstall), service.healthcheck.timeout * 1000);
      if (result.exitCode !== 0) {
        postinstallOutput = lastLines(result.output);
        throw new PaasError('POSTINSTALL_FAILED', `${service.name}.postinstall exited with code ${result.exitCode} in ${name}`, {
          hint: 'run the postinstall command locally, fix it and push again; the previous release keeps serving',
        });
      }
    }
    const isAlive = async (): Promise<boolean> => {
      const now = await runtime.inspectInstance(state.id);
      return now !== null && now.running && now.restartCount === 0;
    };
    const port = httpPort(service);
    const timeoutMs = service.healthcheck.timeout * 1000;
    const address = port === undefined ? undefined : state.addresses[port];
    if (port !== undefined && address === undefined) {
      throw new PaasError('RELEASE_UNHEALTHY', `${name} has no address for port ${port}`);
    }
    const result =
      address === undefined
        ? await waitHealthy({ kind: 'worker', aliveForMs: input.workerAliveMs, timeoutMs: Math.max(timeoutMs, input.workerAliveMs + 5_000), isAlive })
        : await waitHealthy({
            kind: 'http',
            host: address.host,
            port: address.port,
            appPort: port,
            path: service.healthcheck.path,
            timeoutMs,
            intervalMs: Math.max(100, service.healthcheck.interval * 1000),
            isAlive,
          });
    if (!result.healthy) {
      throw new PaasError('RELEASE_UNHEALTHY', `${name} did not become healthy: ${result.reason}`, {
        hint: 'the previous release keeps serving; its last log lines show why; fix the app and push again',
      });
    }
    input.onState?.(name, 'healthy');
    return (await runtime.inspectInstance(state.id)) ?? state;
  } catch (err) {
    input.onState?.(name, 'failed');
    const logs = postinstallOutput ?? (await runtime.tailLogs(state.id, LOG_LINES).catch(() => []));
    await runtime.stopInstance(state.id, 1_000).catch(() => undefined);
    throw new InstanceFailure(name, err, logs);
  }
}

/** A failed instance: the reason plus the instance's last output. */
export class InstanceFailure extends Error {
  constructor(
    readonly instance: string,
    readonly reason: unknown,
    readonly logs: string[],
  ) {
    super(reason instanceof Error ? reason.message : String(reason));
    this.name = 'InstanceFailure';
  }
}

function lastLines(output: string): string[] {
  return output.split('\n').filter((l) => l.trim() !== '').slice(-LOG_LINES);
}
