/**
 * Shared by every test that talks to the real Docker Engine: a run id that
 * labels (paas.test=<id>) everything the test file creates, and the cleanup
 * that removes exactly those things, also after a failure.
 */
import Dockerode from 'dockerode';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';

export const TEST_LABEL = 'paas.test';
/** One per test file (vitest runs each file in its own worker). */
export const testRunId = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
export const testLabels: Record<string, string> = { [TEST_LABEL]: testRunId };
/** The platform id of the runtimes a test file makes. */
export const testPlatformId = `t${randomBytes(3).toString('hex')}`;
export const STACK_IMAGE = 'paas/stack:bookworm';

/** An app name no other run uses, e.g. "rt-1a2b3c4d". */
export function testAppName(prefix: string): string {
  return `${prefix}-${testRunId.slice(-8)}`;
}

/**
 * The engine, or null (with a visible warning) when none answers locally.
 * Under CI a missing engine fails the file: these tests must never be skipped silently there.
 */
export async function requireDocker(): Promise<Dockerode | null> {
  const docker = new Dockerode();
  try {
    await Promise.race([
      docker.ping(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 5 s')), 5000).unref()),
    ]);
    await docker.getImage(STACK_IMAGE).inspect();
    return docker;
  } catch (err) {
    const why = `Docker Engine with ${STACK_IMAGE} not available (${(err as Error).message}); run infra/install.sh`;
    if (process.env.CI) throw new Error(`${why} — CI is set, so this is a failure, not a skip`);
    console.warn(`SKIPPING Docker tests: ${why}`);
    return null;
  }
}

/** Removes every container, network and image labelled paas.test=<runId>. Returns how many of each. */
export async function cleanupByLabel(docker: Dockerode, runId = testRunId): Promise<{ containers: number; networks: number; images: number }> {
  const filters = { label: [`${TEST_LABEL}=${runId}`] };
  const containers = await docker.listContainers({ all: true, filters });
  await Promise.all(containers.map((c) => ignore404(docker.getContainer(c.Id).remove({ force: true, v: true }))));
  const networks = await docker.listNetworks({ filters });
  await Promise.all(networks.map((n) => ignore404(docker.getNetwork(n.Id).remove())));
  const images = await docker.listImages({ filters });
  for (const image of images) await ignore404(docker.getImage(image.Id).remove({ force: true }));
  return { containers: containers.length, networks: networks.length, images: images.length };
}

async function ignore404(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
}

/** Builds an image from a Dockerfile and files, labelled with testLabels plus `labels`. No network needed. */
export async function buildTestImage(
  docker: Dockerode,
  opts: { tag: string; dockerfile: string; files?: Record<string, string>; labels?: Record<string, string> },
): Promise<string> {
  const context = pack();
  context.entry({ name: 'Dockerfile' }, opts.dockerfile);
  for (const [name, body] of Object.entries(opts.files ?? {})) context.entry({ name, mode: 0o644 }, body);
  context.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of context) chunks.push(chunk as Buffer);
  // tar-stream packs are streamx streams; the engine client wants a node stream.
  const stream = await docker.buildImage(Readable.from([Buffer.concat(chunks)]), {
    t: opts.tag,
    labels: { ...testLabels, ...opts.labels },
    rm: true,
    forcerm: true,
  });
  const events = await new Promise<{ error?: string; stream?: string }[]>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => (err ? reject(err) : resolve(out))),
  );
  const failed = events.find((e) => e.error);
  if (failed) throw new Error(`building ${opts.tag} failed: ${failed.error}\n${events.map((e) => e.stream ?? '').join('')}`);
  return opts.tag;
}

/** A tiny HTTP server in Perl (perl-base is in every Debian image): answers STATUS (default 200), logs each request line. */
export const HTTP_RESPONDER = String.raw`
use strict; use warnings; use IO::Socket::INET;
$| = 1;
my $port = $ENV{PORT} || 8080;
my $status = $ENV{STATUS} || 200;
print "environment.json ", (-f "/home/app/environment.json" ? "present" : "missing"), " at boot\n";
my $server = IO::Socket::INET->new(LocalAddr => '0.0.0.0', LocalPort => $port, Listen => 16, ReuseAddr => 1)
  or die "cannot listen on $port: $!\n";
print "listening on $port\n";
$SIG{TERM} = sub { exit 0 };
while (my $client = $server->accept) {
  my $request = <$client> // '';
  while (my $line = <$client>) { last if $line =~ /^\r?\n$/ }
  $request =~ s/\r?\n$//;
  print "request: $request\n";
  my $body = "hello from $ENV{PAAS_INSTANCE}\n";
  print $client "HTTP/1.0 $status Status\r\nContent-Type: text/plain\r\nContent-Length: " . length($body) . "\r\nConnection: close\r\n\r\n$body";
  close $client;
}
`;

/** Dockerfile of a deployed-looking app image: code in ~/current, runs as app, serves HTTP on $PORT. */
export const RESPONDER_DOCKERFILE = `FROM ${STACK_IMAGE}
COPY --chown=1000:1000 server.pl /home/app/current/server.pl
USER app
WORKDIR /home/app/current
CMD ["perl", "/home/app/current/server.pl"]
`;
