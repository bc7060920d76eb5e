import type Docker from 'dockerode';
import { PaasError } from '@paas/core';
import { digestReference, DIGEST, repositoryFor, splitDigestReference, type RegistryTarget } from './reference.js';

/**
 * How release images travel between engines: pushed once from the engine
 * that built them to the registry (the platform's own, or the operator's
 * PAAS_REGISTRY), then pulled by digest on every node that runs them, so
 * each node runs exactly the bytes the release names.
 */

/** One message of an engine's push or pull progress stream. */
export interface ProgressEvent {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  aux?: { Tag?: string; Digest?: string; Size?: number };
  error?: string;
  errorDetail?: { message?: string; code?: number };
}

/** What the engine said about one layer at the end: `Pushed`, `Layer already exists`, `Mounted from …`; `Pull complete`, `Already exists`. */
export interface LayerOutcome {
  id: string;
  status: string;
  /** The largest byte count the engine reported while moving it (0 when it did not move). */
  bytes: number;
}

export interface PushDestination {
  registry: RegistryTarget;
  platform: string;
  app: string;
  service: string;
  /** The tag pushed alongside the digest (default: `id-` and the image id's first 12 hex digits). */
  tag?: string;
  /** Keep the registry's tag on the local image (default: removed after the push; the local image keeps its own names). */
  keepTag?: boolean;
}

export interface PushResult {
  /** `host:port[/prefix]/paas-<platform>/<app>/<service>@sha256:…` */
  ref: string;
  digest: string;
  repository: string;
  tag: string;
  layers: LayerOutcome[];
  ms: number;
}

export interface PullResult {
  ref: string;
  /** The image's id on the node. */
  id: string;
  layers: LayerOutcome[];
  ms: number;
}

/** Follows a progress stream to its end; an `error` message rejects with it. */
export function followProgress(modem: Docker['modem'], stream: NodeJS.ReadableStream): Promise<ProgressEvent[]> {
  return new Promise((resolve, reject) => {
    modem.followProgress(stream, (err: Error | null, events: ProgressEvent[]) => {
      if (err) {
        reject(err);
        return;
      }
      const failed = events.find((e) => e.error !== undefined || e.errorDetail !== undefined);
      if (failed) reject(new Error(failed.errorDetail?.message ?? failed.error ?? 'the engine reported an error'));
      else resolve(events);
    });
  });
}

/** The last status of each layer, and the most bytes reported for it. */
export function layerOutcomes(events: ProgressEvent[]): LayerOutcome[] {
  const byId = new Map<string, LayerOutcome>();
  for (const e of events) {
    if (e.id === undefined || e.status === undefined || e.aux !== undefined) continue;
    // Pull streams start with `Pulling from repo` under the tag's id; push streams with `Preparing` per layer.
    if (!/^[0-9a-f]{12}$/.test(e.id)) continue;
    const seen = byId.get(e.id) ?? { id: e.id, status: e.status, bytes: 0 };
    seen.status = e.status;
    const moved = e.progressDetail?.current ?? 0;
    if ((e.status === 'Pushing' || e.status === 'Downloading') && moved > seen.bytes) seen.bytes = moved;
    byId.set(e.id, seen);
  }
  return [...byId.values()];
}

/** The manifest digest from a push stream's `aux` message. */
export function pushedDigest(events: ProgressEvent[]): string | undefined {
  for (const e of events) {
    const digest = e.aux?.Digest;
    if (digest !== undefined && DIGEST.test(digest)) return digest;
  }
  return undefined;
}

function transferError(what: string, err: unknown, address: string): PaasError {
  const message = err instanceof Error ? err.message : String(err);
  const hint = /x509|certificate/i.test(message)
    ? `the engine does not trust the registry's certificate: install its CA as /etc/docker/certs.d/${address}/ca.crt`
    : undefined;
  return new PaasError('IMAGE_TRANSFER_FAILED', `${what}: ${message}`, { ...(hint === undefined ? {} : { hint }), cause: err });
}

/**
 * Tags `imageRef` as `<registry>/paas-<platform>/<app>/<service>:<tag>` on
 * `docker` and pushes it; the registry's manifest digest comes from the
 * stream's `aux` message. Layers the registry holds already are not sent
 * again (`Layer already exists`).
 */
export async function pushImage(docker: Docker, imageRef: string, dest: PushDestination): Promise<PushResult> {
  const started = Date.now();
  const repository = repositoryFor(dest.registry, dest.platform, dest.app, dest.service);
  let tag = dest.tag;
  if (tag === undefined) {
    const id = ((await docker.getImage(imageRef).inspect()) as { Id: string }).Id;
    tag = `id-${id.replace(/^sha256:/, '').slice(0, 12)}`;
  }
  const named = `${repository}:${tag}`;
  await docker.getImage(imageRef).tag({ repo: repository, tag });
  let events: ProgressEvent[];
  try {
    // An empty X-Registry-Auth: the platform's registry asks for none, and an operator's is logged in by the engine's own means.
    const stream = (await docker.getImage(named).push({ tag, authconfig: {} })) as NodeJS.ReadableStream;
    events = await followProgress(docker.modem, stream);
  } catch (err) {
    throw transferError(`pushing ${imageRef} to ${dest.registry.address} failed`, err, dest.registry.address);
  } finally {
    if (dest.keepTag !== true) await docker.getImage(named).remove({ noprune: true }).catch(() => undefined);
  }
  const digest = pushedDigest(events);
  if (digest === undefined) throw new PaasError('IMAGE_TRANSFER_FAILED', `pushing ${imageRef} to ${dest.registry.address}: the engine reported no digest`);
  return { ref: digestReference(repository, digest), digest, repository, tag, layers: layerOutcomes(events), ms: Date.now() - started };
}

/**
 * Pulls `ref` (`repository@sha256:…`) on a node's engine, following the
 * progress stream to its end. A reference by tag is refused: releases name
 * digests.
 */
export async function pullOnNode(nodeDocker: Docker, ref: string): Promise<PullResult> {
  const started = Date.now();
  const parts = splitDigestReference(ref);
  if (parts === null) throw new PaasError('IMAGE_TRANSFER_FAILED', `${JSON.stringify(ref)} is not a reference by digest (repository@sha256:…)`);
  const address = parts.repository.split('/')[0] as string;
  let events: ProgressEvent[];
  try {
    const stream = (await nodeDocker.pull(ref, { authconfig: {} })) as NodeJS.ReadableStream;
    events = await followProgress(nodeDocker.modem, stream);
  } catch (err) {
    throw transferError(`pulling ${ref} failed`, err, address);
  }
  const id = ((await nodeDocker.getImage(ref).inspect()) as { Id: string }).Id;
  return { ref, id, layers: layerOutcomes(events), ms: Date.now() - started };
}
