import { describe, expect, it } from 'vitest';
import { PaasError } from '@paas/core';
import type { StepInfo } from '../src/build-plan.js';
import { BuildStreamParser, layersToRemove, type BuildEvent } from '../src/build-stream.js';
import { buildFailedError, engineCallError, MissingPackageError, missingPackageError, missingPackages } from '../src/build-errors.js';
import { nearestName, osaDistance } from '../src/nearest-name.js';

const msg = (o: object) => JSON.stringify(o) + '\r\n';

describe('BuildStreamParser', () => {
  it('turns engine messages into step and log events, even when split mid-line', () => {
    const parser = new BuildStreamParser();
    const raw = [
      msg({ stream: 'Step 1/3 : FROM paas/stack:bookworm' }), msg({ stream: '\n' }),
      msg({ stream: ' ---> 69a7e5e3890c\n' }),
      msg({ stream: 'Step 2/3 : RUN echo hi\n' }),
      msg({ stream: ' ---> Running in 0123456789ab\n' }),
      msg({ stream: 'hi\n\u001b[91mwarn: thing\n\u001b[0m' }),
      msg({ stream: 'Removing intermediate container 0123456789ab\n' }),
      msg({ stream: ' ---> Using cache\n' }),
      msg({ aux: { ID: 'sha256:abc' } }),
      msg({ stream: 'Successfully built abc\n' }),
    ].join('');
    const events = [];
    // Feed in 7-byte pieces: JSON objects and lines both arrive split.
    for (let i = 0; i < raw.length; i += 7) events.push(...parser.feed(raw.slice(i, i + 7)));
    events.push(...parser.end());
    expect(events.map((e) => (e.type === 'stage.done' ? { ...e, ms: 0 } : e))).toEqual([
      { type: 'step', step: 'Step 1/3 : FROM paas/stack:bookworm' },
      { type: 'step', step: 'Step 2/3 : RUN echo hi' },
      // Without the plan's steps (an own Dockerfile), each RUN is a stage of its own.
      { type: 'stage', kind: 'other', title: 'RUN echo hi', cached: false },
      { type: 'log', line: 'hi' },
      { type: 'log', line: 'warn: thing' },
      { type: 'log', line: ' ---> Using cache' },
      { type: 'stage.done', kind: 'other', title: 'RUN echo hi', ms: 0, cached: true },
    ]);
    expect(parser.imageId).toBe('sha256:abc');
    expect(parser.failure).toBeUndefined();
  });

  it('keeps the failing step and its last lines', () => {
    const parser = new BuildStreamParser();
    parser.feed([
      msg({ stream: 'Step 3/9 : RUN apt-get install -y nosuchpkg\n' }),
      msg({ stream: 'Reading package lists...\n' }),
      msg({ stream: '\u001b[91mE: Unable to locate package nosuchpkg\n\u001b[0m' }),
      msg({ errorDetail: { code: 100, message: "The command '/bin/sh -c apt-get install -y nosuchpkg' returned a non-zero code: 100" },
        error: "The command '/bin/sh -c apt-get install -y nosuchpkg' returned a non-zero code: 100" }),
    ].join(''));
    parser.end();
    expect(parser.failure).toEqual({
      step: 'Step 3/9 : RUN apt-get install -y nosuchpkg',
      info: { kind: 'other', title: 'RUN apt-get install -y nosuchpkg' },
      message: "The command '/bin/sh -c apt-get install -y nosuchpkg' returned a non-zero code: 100",
      lastLines: ['Reading package lists...', 'E: Unable to locate package nosuchpkg'],
    });
    const err = buildFailedError(parser.failure!);
    expect(err.code).toBe('BUILD_FAILED');
    expect(err.message).toBe('Step 3/9 : RUN apt-get install -y nosuchpkg failed: exit code 100\nReading package lists...\nE: Unable to locate package nosuchpkg');
  });

  it('says a step killed with exit code 137 most likely went over the memory limit', () => {
    const err = buildFailedError({
      step: 'Step 7/9 : RUN ./bin/compile',
      message: "The command '/bin/sh -c ./bin/compile' returned a non-zero code: 137",
      lastLines: ['compiling'],
    });
    expect(err.code).toBe('BUILD_FAILED');
    expect(err.message).toBe("Step 7/9 : RUN ./bin/compile was killed (exit code 137), most likely for going over the build's memory limit\ncompiling");
    expect(err.hint).toMatch(/PAAS_BUILD_MEMORY_MB/);
  });

  it('reports a full disk as DISK_FULL', () => {
    const err = buildFailedError({ step: 'Step 5/9 : COPY code/ /home/app/code/', message: 'failed to copy files: write /var/lib/docker/x: no space left on device', lastLines: [] });
    expect(err.code).toBe('DISK_FULL');
  });
});

describe('build stages: what the push output shows by default', () => {
  const apt1 = 'RUN apt-get update -qq && apt-get install -y -q --no-install-recommends nodejs';
  const apt2 = 'RUN apt-get update -qq && apt-get install -y -q --no-install-recommends curl imagemagik';
  const npm = 'RUN ["/bin/sh","-c","npm ci"]';
  const code = 'COPY --chown=app:app code/ /home/app/code/';
  const system: StepInfo = {
    kind: 'system', title: 'Installing system packages (nodejs, curl, imagemagik)',
    packages: [{ name: 'nodejs', path: 'www.type' }, { name: 'curl', path: 'www.systempackages[0]' }, { name: 'imagemagik', path: 'www.systempackages[1]' }],
  };
  const steps: Record<string, StepInfo> = {
    [apt1]: system,
    [apt2]: system,
    [npm]: { kind: 'dependencies', title: 'Installing dependencies (package.json)', manifests: ['package.json'] },
    [code]: { kind: 'code', title: 'Adding the code' },
  };
  function run(lines: object[], clock: number[]): { parser: BuildStreamParser; events: BuildEvent[] } {
    let t = 0;
    const parser = new BuildStreamParser({ steps, now: () => clock[t++] ?? 0 });
    const events = [...parser.feed(lines.map(msg).join('')), ...parser.end()];
    return { parser, events };
  }

  it('groups the steps of one stage, times it, and says when the cache had it', () => {
    const { events } = run([
      { stream: 'Step 1/7 : FROM paas/stack:bookworm\n' }, { stream: ' ---> 69a7e5e3890c\n' },
      { stream: `Step 2/7 : ${apt1}\n` }, { stream: ' ---> Running in 0123456789ab\n' }, { stream: 'Setting up nodejs\n' },
      { stream: `Step 3/7 : ${apt2}\n` }, { stream: ' ---> Running in 0123456789ac\n' }, { stream: 'Unpacking curl\n' },
      { stream: 'Step 4/7 : USER app\n' }, { stream: ' ---> Running in 0123456789ad\n' },
      // The engine spaces an exec form its own way.
      { stream: 'Step 5/7 : RUN ["/bin/sh", "-c", "npm ci"]\n' }, { stream: ' ---> Using cache\n' }, { stream: ' ---> 111111111111\n' },
      { stream: `Step 6/7 : ${code}\n` }, { stream: ' ---> 222222222222\n' },
      { stream: 'Step 7/7 : LABEL a=b\n' },
      { aux: { ID: 'sha256:abc' } },
    ], [1000, 13_300, 14_000, 15_000, 15_000, 15_200]);
    const stages = events.filter((e) => e.type === 'stage' || e.type === 'stage.done');
    expect(stages).toEqual([
      { type: 'stage', kind: 'system', title: system.title, cached: false },
      { type: 'stage.done', kind: 'system', title: system.title, ms: 12_300, cached: false },
      { type: 'stage', kind: 'dependencies', title: 'Installing dependencies (package.json)', cached: true },
      { type: 'stage.done', kind: 'dependencies', title: 'Installing dependencies (package.json)', ms: 1000, cached: true },
      { type: 'stage', kind: 'code', title: 'Adding the code', cached: false },
      { type: 'stage.done', kind: 'code', title: 'Adding the code', ms: 200, cached: false },
    ]);
    // Every line still arrives, for --verbose and the kept log.
    expect(events.filter((e) => e.type === 'log').map((e) => (e as { line: string }).line)).toEqual(['Setting up nodejs', 'Unpacking curl', ' ---> Using cache']);
  });

  it('keeps a stage whole across a step the plan does not list (USER root around an install)', () => {
    const { events } = run([
      { stream: `Step 1/5 : ${npm}\n` }, { stream: ' ---> Running in 0123456789ab\n' },
      { stream: 'Step 2/5 : USER root\n' }, { stream: ' ---> Running in 0123456789ac\n' },
      { stream: `Step 3/5 : ${npm}\n` }, { stream: ' ---> Running in 0123456789ad\n' },
      { stream: 'Step 4/5 : USER app\n' }, { stream: ' ---> Running in 0123456789ae\n' },
      { stream: `Step 5/5 : ${code}\n` }, { stream: ' ---> 222222222222\n' },
      { aux: { ID: 'sha256:abc' } },
    ], [0, 5_000, 5_000, 5_100]);
    expect(events.filter((e) => e.type === 'stage').map((e) => (e as { title: string }).title)).toEqual([
      'Installing dependencies (package.json)', 'Adding the code',
    ]);
  });

  it('an unlisted step built inside a cached stage (CMD after a spec change) leaves it cached', () => {
    const { events } = run([
      { stream: `Step 1/4 : ${apt1}\n` }, { stream: ' ---> Using cache\n' }, { stream: ' ---> 111111111111\n' },
      { stream: 'Step 2/4 : CMD ["node", "server.js"]\n' }, { stream: ' ---> Running in 0123456789ab\n' }, { stream: ' ---> 222222222222\n' },
      { stream: `Step 3/4 : ${code}\n` }, { stream: ' ---> 333333333333\n' },
      { stream: 'Step 4/4 : LABEL a=b\n' },
      { aux: { ID: 'sha256:abc' } },
    ], [0, 100, 100, 300]);
    expect(events.filter((e) => e.type === 'stage')).toEqual([
      { type: 'stage', kind: 'system', title: system.title, cached: true },
      { type: 'stage', kind: 'code', title: 'Adding the code', cached: false },
    ]);
  });

  it('announces a stage as cached only when all of it was', () => {
    const { events } = run([
      { stream: `Step 2/7 : ${apt1}\n` }, { stream: ' ---> Using cache\n' }, { stream: ' ---> 111111111111\n' },
      { stream: `Step 3/7 : ${apt2}\n` }, { stream: ' ---> Running in 0123456789ac\n' }, { stream: 'Setting up curl\n' },
      { stream: ' ---> 222222222222\n' },
      { stream: 'Step 4/7 : USER app\n' },
    ], [0, 5000]);
    expect(events.filter((e) => e.type === 'stage' || e.type === 'stage.done')).toEqual([
      { type: 'stage', kind: 'system', title: system.title, cached: false },
      { type: 'stage.done', kind: 'system', title: system.title, ms: 5000, cached: false },
    ]);
  });

  it('names the spec path of a package apt cannot find, and leaves the stage open', () => {
    const { parser, events } = run([
      { stream: `Step 2/7 : ${apt1}\n` }, { stream: ' ---> Using cache\n' }, { stream: ' ---> 111111111111\n' },
      { stream: `Step 3/7 : ${apt2}\n` }, { stream: ' ---> Running in 0123456789ac\n' },
      { stream: 'Reading package lists...\n' }, { stream: '\u001b[91mE: Unable to locate package imagemagik\n\u001b[0m' },
      { error: "The command '/bin/sh -c apt-get update' returned a non-zero code: 100" },
    ], [0, 1, 2]);
    expect(events.filter((e) => e.type === 'stage.done')).toEqual([]);
    expect(parser.failure?.info).toBe(system);
    const missing = missingPackages(parser.failure!);
    expect(missing).toEqual([{ name: 'imagemagik', path: 'www.systempackages[1]' }]);
    const err = buildFailedError(parser.failure!);
    expect(err).toBeInstanceOf(MissingPackageError);
    expect(err.message).toBe('www.systempackages[1]: no Debian package "imagemagik"');
    expect(err.path).toBe('www.systempackages[1]');
    const suggested = missingPackageError(missing, (name) => nearestName(name, ['imagemagick', 'imagemagick-6-common', 'graphicsmagick']));
    expect(suggested.message).toBe('www.systempackages[1]: no Debian package "imagemagik" (did you mean imagemagick?)');
  });

  it('names the manifest of a failed dependency install, and PAAS_BUILD_CA_FILE for an untrusted certificate', () => {
    const deps = steps[npm];
    const failed = buildFailedError({ step: `Step 5/7 : ${npm}`, info: deps, message: 'returned a non-zero code: 1', lastLines: ['npm ERR! code E404'] });
    expect(failed.message).toBe('installing the dependencies from package.json failed: exit code 1\nnpm ERR! code E404');
    expect(failed.hint).toMatch(/fix package\.json/);
    const tls = buildFailedError({ step: `Step 5/7 : ${npm}`, info: deps, message: 'returned a non-zero code: 1', lastLines: ['npm ERR! code UNABLE_TO_GET_ISSUER_CERT_LOCALLY'] });
    expect(tls.message).toBe('installing the dependencies from package.json failed: exit code 1: a TLS certificate was not trusted\nnpm ERR! code UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
    expect(tls.hint).toMatch(/PAAS_BUILD_CA_FILE/);
    const pip = buildFailedError({ step: 'Step 5/7 : RUN pip install', message: 'returned a non-zero code: 1', lastLines: ['SSLError(SSLCertVerificationError(1, \'[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed\'))'] });
    expect(pip.hint).toMatch(/PAAS_BUILD_CA_FILE/);
  });
});

describe('nearestName', () => {
  it('finds a typo within a few edits, a swap of neighbours counting as one', () => {
    expect(nearestName('imagemagik', ['imagemagick', 'imagej', 'graphicsmagick'])).toBe('imagemagick');
    expect(nearestName('crul', ['curl', 'cron', 'cryptsetup'])).toBe('curl');
    expect(nearestName('libpq-dve', ['libpq-dev', 'libpq5'])).toBe('libpq-dev');
    expect(osaDistance('crul', 'curl')).toBe(1);
    expect(osaDistance('kitten', 'sitting')).toBe(3);
  });

  it('suggests nothing far off, and prefers the nearer length on a tie', () => {
    expect(nearestName('zzzzqqq', ['curl', 'imagemagick'])).toBeUndefined();
    expect(nearestName('abcd', ['abce', 'abcde'])).toBe('abce');
    expect(nearestName('curl', ['curl'])).toBeUndefined();
  });
});

describe('the images a failed build leaves behind', () => {
  const code = 'COPY --chown=app:app code/ /home/app/code/';
  const stream = [
    msg({ stream: 'Step 1/5 : FROM paas/stack:bookworm\n' }), msg({ stream: ' ---> 69a7e5e3890c\n' }),
    msg({ stream: 'Step 2/5 : RUN apt-get install -y python3\n' }), msg({ stream: ' ---> Using cache\n' }), msg({ stream: ' ---> 111111111111\n' }),
    msg({ stream: 'Step 3/5 : RUN pip install -r requirements.txt\n' }), msg({ stream: ' ---> Running in 0123456789ab\n' }),
    msg({ stream: 'installed\n' }), msg({ stream: 'Removing intermediate container 0123456789ab\n' }), msg({ stream: ' ---> 222222222222\n' }),
    msg({ stream: `Step 4/5 : ${code}\n` }), msg({ stream: ' ---> 333333333333\n' }),
    msg({ stream: 'Step 5/5 : RUN ./prebuild\n' }), msg({ stream: ' ---> Running in 456789abcdef\n' }), msg({ stream: ' ---> 444444444444\n' }),
    msg({ stream: 'Step 6/6 : RUN ./postbuild\n' }), msg({ stream: ' ---> Running in 56789abcdef0\n' }),
    msg({ errorDetail: { message: "The command '/bin/sh -c ./postbuild' returned a non-zero code: 3" } }),
  ].join('');

  it('records each step\'s image and whether it came from the cache', () => {
    const parser = new BuildStreamParser();
    parser.feed(stream);
    parser.end();
    expect(parser.committed.map((c) => [c.step.slice(0, 8), c.id, c.cached])).toEqual([
      ['Step 1/5', '69a7e5e3890c', false],
      ['Step 2/5', '111111111111', true],
      ['Step 3/5', '222222222222', false],
      ['Step 4/5', '333333333333', false],
      ['Step 5/5', '444444444444', false],
    ]);
  });

  it('removes what was built from the code step on, newest first, and keeps the dependencies as cache', () => {
    const parser = new BuildStreamParser();
    parser.feed(stream);
    parser.end();
    expect(layersToRemove(parser.committed, code)).toEqual(['444444444444', '333333333333']);
  });

  it('removes nothing when the build failed before the code step, and everything it built for an own Dockerfile', () => {
    const early = new BuildStreamParser();
    early.feed(stream.slice(0, stream.indexOf('Step 4/5')));
    expect(layersToRemove(early.committed, code)).toEqual([]);
    const own = new BuildStreamParser();
    own.feed(stream);
    // Never the FROM image: that is someone's base image.
    expect(layersToRemove(own.committed, undefined)).toEqual(['444444444444', '333333333333', '222222222222']);
  });
});

describe('engineCallError', () => {
  it('maps a refused connection to ENGINE_UNAVAILABLE and an engine refusal to BUILD_FAILED', () => {
    const down = engineCallError(Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), { code: 'ECONNREFUSED' }));
    expect(down).toBeInstanceOf(PaasError);
    expect((down as PaasError).code).toBe('ENGINE_UNAVAILABLE');
    const refused = engineCallError(Object.assign(new Error('(HTTP code 500) server error'), { statusCode: 500, json: { message: 'dockerfile parse error line 3: unknown instruction: RUNN' } }));
    expect((refused as PaasError).code).toBe('BUILD_FAILED');
    expect((refused as PaasError).message).toContain('unknown instruction: RUNN');
  });
});
