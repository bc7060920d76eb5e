import type { PushEvent } from '@paas/core';
import { describe, expect, it } from 'vitest';
import { exitCodeFor, formatError } from '../src/render-error.js';
import { LineProgress } from '../src/progress.js';
import { PushRenderer, renderPush } from '../src/render-push.js';
import { captureOutput } from './helpers/capture.js';

async function* replay(events: PushEvent[]): AsyncGenerator<PushEvent> {
  for (const e of events) yield e;
}

/** A push as the API records it: build, deploy with two instances, switch, done. */
const recorded: PushEvent[] = [
  { type: 'push.accepted', push: 'p7', build: 'b7', bytes: 2048, files: 12 },
  { type: 'build.step', service: 'www', step: 'Step 1/3 : FROM paas/stack:bookworm' },
  { type: 'log', service: 'www', line: ' ---> 1a2b3c\n' },
  { type: 'build.step', service: 'www', step: 'Step 3/3 : RUN pip install -r requirements.txt' },
  { type: 'log', service: 'www', line: 'Successfully built 9f8e\r\nSuccessfully tagged paas/blog/www:b7' },
  { type: 'warning', message: 'python_version v2.7 is not available: using 3.11', path: 'www.config.python_version' },
  { type: 'deploy.step', service: 'www', step: 'starting 2 instances of v3' },
  { type: 'deploy.instance', service: 'www', instance: 'www.1', state: 'starting' },
  { type: 'deploy.instance', service: 'www', instance: 'www.2', state: 'starting' },
  { type: 'deploy.instance', service: 'www', instance: 'www.1', state: 'healthy' },
  { type: 'deploy.instance', service: 'www', instance: 'www.2', state: 'healthy' },
  { type: 'deploy.switch', service: 'www', release: 'v3', targets: 2 },
  { type: 'done', release: 'v3', url: 'http://blog.localhost:8080' },
];

describe('renderPush', () => {
  it('turns a recorded push into Heroku-style text, without colour off a TTY', async () => {
    const { out, stdout, stderr } = captureOutput();
    const done = await renderPush(replay(recorded), out);
    expect(done).toEqual({ type: 'done', release: 'v3', url: 'http://blog.localhost:8080' });
    expect(stdout.text).toBe(
      [
        '-----> Push p7 accepted: 12 files, 2.0 KB (build b7)',
        '-----> Building www',
        '       Step 1/3 : FROM paas/stack:bookworm',
        '        ---> 1a2b3c',
        '       Step 3/3 : RUN pip install -r requirements.txt',
        '       Successfully built 9f8e',
        '       Successfully tagged paas/blog/www:b7',
        '-----> Deploying www',
        '       starting 2 instances of v3',
        '       www.1: starting',
        '       www.2: starting',
        '       www.1: healthy',
        '       www.2: healthy',
        '-----> www switched to v3 (2 instances)',
        '-----> Live at http://blog.localhost:8080',
        '',
      ].join('\n'),
    );
    expect(stderr.text).toBe(' !     warning: www.config.python_version: python_version v2.7 is not available: using 3.11\n');
  });

  it('prints no URL for a release without a web service', async () => {
    const { out, stdout } = captureOutput();
    const done = await renderPush(replay([{ type: 'deploy.switch', service: 'worker', release: 'v3', targets: 1 }, { type: 'done', release: 'v3' }]), out);
    expect(done).toEqual({ type: 'done', release: 'v3' });
    expect(stdout.text).toBe('-----> worker switched to v3 (1 instance)\n-----> Released v3 (no web service: workers only)\n');
  });

  it('colours the step arrows on a TTY', async () => {
    const { out, stdout } = captureOutput({ tty: true });
    await renderPush(replay([{ type: 'done', release: 'v1', url: 'http://a.localhost:8080' }]), out);
    expect(stdout.text).toBe('\u001b[36m-----> \u001b[39m\u001b[1mLive at http://a.localhost:8080\u001b[22m\n');
  });

  it('renders what the server reports after done, e.g. the retired instances', async () => {
    const { out, stdout } = captureOutput({ tty: false });
    const done = await renderPush(
      replay([
        { type: 'done', release: 'v2', url: 'http://a.localhost:8080' },
        { type: 'log', line: 'retired 1 old instance' },
      ]),
      out,
    );
    expect(done.release).toBe('v2');
    expect(stdout.text).toBe('-----> Live at http://a.localhost:8080\n       retired 1 old instance\n');
  });

  it('announces each service once per phase, even when several are built in turn', async () => {
    const { out, stdout } = captureOutput();
    await renderPush(
      replay([
        { type: 'build.step', service: 'www', step: 'a' },
        { type: 'build.step', service: 'www', step: 'b' },
        { type: 'build.step', service: 'worker', step: 'c' },
        { type: 'deploy.instance', service: 'worker', instance: 'worker.1', state: 'healthy' },
        { type: 'deploy.switch', service: 'worker', release: 'v2', targets: 1 },
        { type: 'done', release: 'v2', url: 'http://x.localhost:8080' },
      ]),
      out,
    );
    expect(stdout.text.split('\n').filter((l) => l.startsWith('----->'))).toEqual([
      '-----> Building www',
      '-----> Building worker',
      '-----> Deploying worker',
      '-----> worker switched to v2 (1 instance)',
      '-----> Live at http://x.localhost:8080',
    ]);
  });

  it('a data service created while the code builds: each line goes under its own service and phase', async () => {
    const { out, stdout } = captureOutput();
    await renderPush(
      replay([
        { type: 'build.step', service: 'www', step: 'Building www (python)' },
        { type: 'deploy.step', service: 'db', step: 'Creating db (postgresql)' },
        { type: 'log', service: 'www', line: 'Step 2/9 : RUN apt-get install' },
        { type: 'deploy.step', service: 'db', step: 'db is ready' },
        { type: 'log', service: 'www', line: 'Step 3/9 : COPY . .' },
        { type: 'done', release: 'v1', url: 'http://x.localhost:8080' },
      ]),
      out,
    );
    expect(stdout.text.split('\n')).toEqual([
      // The step's own text says what the heading would: printed once, as the heading.
      '-----> Building www (python)',
      '-----> Deploying db',
      '       Creating db (postgresql)',
      '-----> Building www',
      '       Step 2/9 : RUN apt-get install',
      '-----> Deploying db',
      '       db is ready',
      '-----> Building www',
      '       Step 3/9 : COPY . .',
      '-----> Live at http://x.localhost:8080',
      '',
    ]);
  });

  /** A cold build as the API sends it now: stages, and every line of the build marked as its output. */
  const cold: PushEvent[] = [
    { type: 'build.step', service: 'www', step: 'Building www (nodejs)' },
    { type: 'log', service: 'www', line: 'Step 1/9 : FROM paas/stack:bookworm', source: 'build' },
    { type: 'log', service: 'www', line: 'Step 4/9 : RUN apt-get update -qq && apt-get install nodejs', source: 'build' },
    { type: 'build.stage', service: 'www', kind: 'system', title: 'Installing system packages (nodejs)', cached: false },
    { type: 'log', service: 'www', line: 'Unpacking nodejs (18.20.4) ...', source: 'build' },
    { type: 'log', service: 'www', line: 'Setting up nodejs (18.20.4) ...', source: 'build' },
    { type: 'build.stage.done', service: 'www', kind: 'system', title: 'Installing system packages (nodejs)', ms: 12_345, cached: false },
    { type: 'build.stage', service: 'www', kind: 'dependencies', title: 'Installing dependencies (package.json)', cached: true },
    { type: 'log', service: 'www', line: ' ---> Using cache', source: 'build' },
    { type: 'build.stage.done', service: 'www', kind: 'dependencies', title: 'Installing dependencies (package.json)', ms: 3, cached: true },
    { type: 'build.stage', service: 'www', kind: 'code', title: 'Adding the code', cached: false },
    { type: 'build.stage.done', service: 'www', kind: 'code', title: 'Adding the code', ms: 400, cached: false },
    { type: 'deploy.step', service: 'www', step: 'Deploying www (1 instance)' },
    { type: 'deploy.instance', service: 'www', instance: 'www.1', state: 'healthy' },
    { type: 'done', release: 'v1', url: 'http://a.localhost:8080' },
  ];

  it('shows a build as one line per stage with its time; the build\'s own lines only with verbose', async () => {
    const { out, stdout } = captureOutput();
    await renderPush(replay(cold), out);
    expect(stdout.text).toBe([
      '-----> Building www (nodejs)',
      '-----> Installing system packages (nodejs)',
      '       done in 12.3s',
      '-----> Installing dependencies (package.json) (using cache)',
      '-----> Adding the code',
      '       done in 0.4s',
      '-----> Deploying www (1 instance)',
      '       www.1: healthy',
      '-----> Live at http://a.localhost:8080',
      '',
    ].join('\n'));

    const verbose = captureOutput();
    await renderPush(replay(cold), verbose.out, { verbose: true });
    expect(verbose.stdout.text).toContain([
      '-----> Installing system packages (nodejs)',
      '       Unpacking nodejs (18.20.4) ...',
      '       Setting up nodejs (18.20.4) ...',
      '       done in 12.3s',
    ].join('\n'));
    expect(verbose.stdout.text).toContain('       Step 1/9 : FROM paas/stack:bookworm\n');
  });

  it('shows what a build step writes for the person pushing (`-----> heading`, seven-space details) without verbose', async () => {
    const { out, stdout } = captureOutput();
    await renderPush(replay([
      { type: 'build.step', service: 'web', step: 'Building web (python)' },
      { type: 'build.stage', service: 'web', kind: 'dependencies', title: 'Installing dependencies (requirements.txt)', cached: false },
      { type: 'log', service: 'web', source: 'build', line: 'Step 9/14 : RUN ["python3", "resolve"]' },
      { type: 'log', service: 'web', source: 'build', line: '-----> Python dependencies: no package index answers (pypi.org: refused); installing from Debian' },
      { type: 'log', service: 'web', source: 'build', line: '       warning: requirements.txt:1: Flask==3.0.0 asked; Debian ships python3-flask 2.2.2' },
      { type: 'log', service: 'web', source: 'build', line: 'Get:1 http://deb.debian.org/debian bookworm InRelease [151 kB]' },
      { type: 'log', service: 'web', source: 'build', line: '  indented chatter' },
      { type: 'build.stage.done', service: 'web', kind: 'dependencies', title: 'Installing dependencies (requirements.txt)', ms: 4_000, cached: false },
      { type: 'done', release: 'v1', url: 'http://a.localhost:8080' },
    ]), out);
    expect(stdout.text).toBe([
      '-----> Building web (python)',
      '-----> Installing dependencies (requirements.txt)',
      '-----> Python dependencies: no package index answers (pypi.org: refused); installing from Debian',
      '       warning: requirements.txt:1: Flask==3.0.0 asked; Debian ships python3-flask 2.2.2',
      '       done in 4.0s',
      '-----> Live at http://a.localhost:8080',
      '',
    ].join('\n'));
  });

  it('on a TTY the build\'s lines are one line redrawn in place, erased before the next heading', async () => {
    const { out, stdout } = captureOutput({ tty: true });
    let t = 0;
    const renderer = new PushRenderer(out);
    (renderer as unknown as { progress: LineProgress }).progress = new LineProgress(stdout, () => (t += 200));
    for (const event of cold.slice(0, 7)) renderer.render(event);
    expect(stdout.text).toContain('\r       Unpacking nodejs (18.20.4) ...');
    expect(stdout.text).toContain('\r       Setting up nodejs (18.20.4) ...');
    // Erased (spaces, then back to the start) before "done in".
    expect(stdout.text).toMatch(/\r {30,}\r {7}done in 12\.3s\n$/);
  });

  it('turns an error event into the error with its exit code and the failing instance logs', async () => {
    const { out } = captureOutput();
    const failure = renderPush(
      replay([
        { type: 'deploy.instance', service: 'www', instance: 'www.1', state: 'failed' },
        {
          type: 'error',
          error: { code: 'RELEASE_UNHEALTHY', message: 'www.1 did not become healthy within 30 s', hint: 'check that the app listens on $PORT' },
          logs: ['Traceback (most recent call last):', 'ModuleNotFoundError: No module named flask'],
        },
      ]),
      out,
    );
    const err = await failure.catch((e: unknown) => e);
    expect(exitCodeFor(err)).toBe(7);
    expect(formatError(err, { color: false, verbose: false })).toBe(
      [
        ' !     www.1 did not become healthy within 30 s',
        '       hint: check that the app listens on $PORT',
        '       last log lines:',
        '       | Traceback (most recent call last):',
        '       | ModuleNotFoundError: No module named flask',
        '',
      ].join('\n'),
    );
  });

  it('treats a stream that ends without done or error as a lost connection (exit 9)', async () => {
    const { out } = captureOutput();
    const err = await renderPush(replay(recorded.slice(0, 8)), out).catch((e: unknown) => e);
    expect(exitCodeFor(err)).toBe(9);
    expect((err as Error).message).toBe('the connection to the API was lost');
  });
});
