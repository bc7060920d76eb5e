import { describe, expect, it } from 'vitest';
import { PaasError } from '@paas/core';
import { BuildStreamParser, layersToRemove } from '../src/build-stream.js';
import { buildFailedError, engineCallError } from '../src/build-errors.js';

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
    expect(events).toEqual([
      { type: 'step', step: 'Step 1/3 : FROM paas/stack:bookworm' },
      { type: 'step', step: 'Step 2/3 : RUN echo hi' },
      { type: 'log', line: 'hi' },
      { type: 'log', line: 'warn: thing' },
      { type: 'log', line: ' ---> Using cache' },
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
