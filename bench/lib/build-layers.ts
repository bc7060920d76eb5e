import type Dockerode from 'dockerode';

/**
 * How many of the first build's layers below the code COPY the second build
 * reused, read from the engine's image history (oldest layer first).
 */
export async function layersReusedBeforeCode(docker: Dockerode, first: string, second: string): Promise<{ reused: number; total: number }> {
  const history = async (id: string) => ((await docker.getImage(id).history()) as { Id: string; CreatedBy: string }[]).reverse();
  const [a, b] = await Promise.all([history(first), history(second)]);
  const code = a.findIndex((h) => /COPY .* in \/home\/app\/code\/ *$/.test(h.CreatedBy));
  if (code < 0) throw new Error('no code COPY layer in the first image');
  let reused = 0;
  while (reused < code && a[reused]?.Id === b[reused]?.Id) reused++;
  return { reused, total: code };
}
