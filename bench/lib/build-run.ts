import type Dockerode from 'dockerode';
import { buildImage, type BuildImageOptions } from '@paas/builders';

export interface TimedBuild {
  imageId: string;
  tag: string;
  seconds: number;
  steps: number;
  /** Steps the engine answered from its cache. */
  cachedSteps: number;
}

/** Runs one build to the end and times it from the call to the done event. */
export async function timeBuild(docker: Dockerode, opts: BuildImageOptions): Promise<TimedBuild> {
  const started = process.hrtime.bigint();
  let steps = 0;
  let cachedSteps = 0;
  for await (const event of buildImage(docker, opts)) {
    if (event.type === 'step') steps++;
    else if (event.type === 'log' && event.line.trim() === '---> Using cache') cachedSteps++;
    else if (event.type === 'done') {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      return { imageId: event.imageId, tag: event.tag, seconds, steps, cachedSteps };
    }
  }
  throw new Error('buildImage ended without a done event');
}

/** Removes the images carrying this label (their untagged parent layers go with them). */
export async function removeLabelledImages(docker: Dockerode, label: string): Promise<number> {
  const images = await docker.listImages({ filters: JSON.stringify({ label: [label] }) });
  for (const image of images) await docker.getImage(image.Id).remove({ force: true });
  return images.length;
}
