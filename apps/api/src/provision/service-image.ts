import { Readable } from 'node:stream';
import { PaasError } from '@paas/core';
import type { ImageSource, ServiceDefinition } from '@paas/services';
import type Dockerode from 'dockerode';
import { pack } from 'tar-stream';
import { engine, engineUnless404 } from '../runtime/engine-errors.js';

export interface EnsureServiceImageOptions {
  /** The operator's settings (PAAS_MONGODB_IMAGE names another mongodb image). */
  env?: Record<string, string | undefined>;
  /** Each output line of a build this call started (a call that joins a running build sees none). */
  onLog?: (line: string) => void;
}

/** How many of a failed build's last lines the error carries. */
const TAIL = 15;
// The engine colours a step's stderr; logs are plain text.
const ANSI_RE = /\x1b\[[0-9;]*[A-Za-z]/g;

/** Builds in progress by image ref: concurrent provisioners of one type share one build. */
const building = new Map<string, Promise<string>>();

/**
 * The image a data service runs, made sure to be on the engine; returns its
 * ref. A stack image is built from its recipe when its ref (the recipe's
 * hash) is missing, once per engine; an upstream image (mongodb) cannot be
 * built here, so its absence is SERVICE_IMAGE_UNAVAILABLE with the
 * definition's hint on how to get it.
 */
export async function ensureServiceImage(docker: Dockerode, def: ServiceDefinition, opts: EnsureServiceImageOptions = {}): Promise<string> {
  const source = def.image(opts.env);
  if (await isOnEngine(docker, source.ref)) return source.ref;
  if (source.kind === 'upstream') {
    throw new PaasError('SERVICE_IMAGE_UNAVAILABLE', `the ${def.type} image ${source.ref} is not on the engine`, { hint: source.hint });
  }
  let build = building.get(source.ref);
  if (build === undefined) {
    build = buildStackImage(docker, def.type, source, opts.onLog).finally(() => building.delete(source.ref));
    building.set(source.ref, build);
  }
  return build;
}

async function isOnEngine(docker: Dockerode, ref: string): Promise<boolean> {
  return (await engineUnless404(docker.getImage(ref).inspect())) !== undefined;
}

interface BuildMessage {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
}

async function buildStackImage(
  docker: Dockerode,
  type: string,
  source: Extract<ImageSource, { kind: 'stack' }>,
  onLog: ((line: string) => void) | undefined,
): Promise<string> {
  const response = await engine(
    docker.buildImage(Readable.from([await contextTar(source)]) as unknown as NodeJS.ReadableStream, {
      t: source.ref,
      rm: true,
      forcerm: true,
      pull: false,
    }),
  );
  const lastLines: string[] = [];
  let failure: string | undefined;
  const line = (text: string): void => {
    const clean = text.replace(ANSI_RE, '').trimEnd();
    if (clean === '') return;
    lastLines.push(clean);
    if (lastLines.length > TAIL) lastLines.shift();
    onLog?.(clean);
  };
  let partial = '';
  await engine(
    new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(
        response,
        (err: Error | null) => (err ? reject(err) : resolve()),
        (msg: BuildMessage) => {
          if (typeof msg.stream === 'string') {
            const parts = (partial + msg.stream).split('\n');
            partial = parts.pop() ?? '';
            for (const part of parts) line(part.split('\r').pop() ?? '');
          }
          if (typeof msg.status === 'string') line(msg.status);
          const error = msg.error ?? msg.errorDetail?.message;
          if (typeof error === 'string') failure = error.trim();
        },
      ),
    ),
  );
  if (partial !== '') line(partial);
  if (failure !== undefined) {
    throw new PaasError('BUILD_FAILED', `building the ${type} service image ${source.ref} failed: ${failure}\n${lastLines.join('\n')}`, {
      hint: 'the lines above are the build\'s last output; the image is built from Debian packages, so the engine must reach a Debian mirror',
    });
  }
  return source.ref;
}

/** The build context: the Dockerfile and the recipe's files with their modes. */
async function contextTar(source: Extract<ImageSource, { kind: 'stack' }>): Promise<Buffer> {
  const tar = pack();
  tar.entry({ name: 'Dockerfile', mode: 0o644 }, source.dockerfile);
  for (const [name, file] of Object.entries(source.files)) tar.entry({ name, mode: file.mode }, file.body);
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of tar) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
