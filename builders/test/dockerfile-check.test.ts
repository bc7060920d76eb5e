import { PaasError } from '@paas/core';
import { describe, expect, it } from 'vitest';
import { cacheScopeLine, confineDockerfile } from '../src/dockerfile-check.js';

const SCOPE = cacheScopeLine('shop', { 'paas.platform': 'p1' });
const opts = { service: 'www', file: 'Dockerfile', scopeLine: SCOPE };

function refusal(text: string): PaasError {
  try {
    confineDockerfile(text, opts);
  } catch (err) {
    if (err instanceof PaasError) return err;
    throw err;
  }
  throw new Error('accepted');
}

describe('confineDockerfile: what is refused, naming the line', () => {
  it.each([
    ['another app\'s image', 'FROM paas/stack:bookworm\nRUN true\nFROM paas/other/www:b1\n', 3, /FROM may name only paas\/stack:bookworm or an earlier stage of this Dockerfile, not paas\/other\/www:b1/],
    ['any other local image', 'FROM debian:bookworm\n', 1, /not debian:bookworm/],
    ['the stack image by digest', 'FROM paas/stack:bookworm@sha256:0000000000000000000000000000000000000000000000000000000000000000\n', 1, /FROM may name only/],
    ['an image on a loopback registry', 'FROM 127.0.0.1:5000/x\n', 1, /not 127\.0\.0\.1:5000\/x/],
    ['a variable image', 'ARG BASE=paas/stack:bookworm\nFROM ${BASE}\n', 2, /the image is a variable/],
    ['a variable image with --platform', 'ARG B\nFROM --platform=linux/amd64 $B AS x\n', 2, /the image is a variable/],
    ['a later stage', 'FROM later\nFROM paas/stack:bookworm AS later\n', 1, /not later/],
    ['COPY --from another image', 'FROM paas/stack:bookworm\nCOPY --from=paas/other/www:b1 /home/app /x\n', 2, /--from may name only .* not paas\/other\/www:b1/],
    ['COPY --from a later stage index', 'FROM paas/stack:bookworm\nCOPY --from=1 /a /b\nFROM paas/stack:bookworm\n', 2, /not 1/],
    ['COPY --from a variable', 'FROM paas/stack:bookworm\nARG S\nCOPY --from=$S /a /b\n', 3, /--from is a variable/],
    ['ADD of an https URL', 'FROM paas/stack:bookworm\n\nADD https://example.com/x.tgz /x\n', 3, /ADD from https:\/\/example\.com\/x\.tgz fetches from outside/],
    ['ADD of a loopback URL', 'FROM paas/stack:bookworm\nADD http://127.0.0.1:8443/v1/apps /x\n', 2, /fetches from outside/],
    ['ADD of a URL in JSON form', 'FROM paas/stack:bookworm\nADD ["http://x.example/a", "/a"]\n', 2, /fetches from outside/],
    ['ADD of a git remote', 'FROM paas/stack:bookworm\nADD git@github.com:o/r.git /src\n', 2, /ADD from git@github.com:o\/r.git/],
    ['ADD of a variable', 'FROM paas/stack:bookworm\nARG U\nADD $U /x\n', 3, /variable/],
    ['RUN --network=host', 'FROM paas/stack:bookworm\nRUN --network=host curl http://127.0.0.1:8443/\n', 2, /RUN --network is not allowed/],
    ['RUN --network=none', 'FROM paas/stack:bookworm\nRUN --network=none true\n', 2, /RUN --network/],
    ['RUN --security=insecure', 'FROM paas/stack:bookworm\nRUN --security=insecure true\n', 2, /RUN --security/],
    ['a cache mount', 'FROM paas/stack:bookworm\nRUN --mount=type=cache,target=/root/.cache pip install x\n', 2, /type=cache is not allowed/],
    ['a secret mount', 'FROM paas/stack:bookworm\nRUN --mount=type=secret,id=k cat /run/secrets/k\n', 2, /type=secret/],
    ['an ssh mount', 'FROM paas/stack:bookworm\nRUN --mount=type=ssh git clone x\n', 2, /type=ssh/],
    ['a bind mount of another image', 'FROM paas/stack:bookworm\nRUN --mount=type=bind,from=paas/other/www:b1,target=/o cat /o/x\n', 2, /from= may name only an earlier stage, not paas\/other\/www:b1/],
    ['ONBUILD', 'FROM paas/stack:bookworm\nONBUILD ADD . /x\n', 2, /ONBUILD/],
    ['a syntax directive', '# syntax=docker/dockerfile:1\nFROM paas/stack:bookworm\n', 1, /# syntax=docker\/dockerfile:1/],
    ['a continued line, named by its first line', 'FROM paas/stack:bookworm\nRUN echo a && \\\n  true\nRUN --network=host \\\n  true\n', 4, /RUN --network/],
    ['a lowercase instruction', 'from paas/stack:bookworm\nadd https://x.example/a /a\n', 2, /fetches from outside/],
  ])('%s', (_name, text, line, message) => {
    const err = refusal(text);
    expect(err.code).toBe('DOCKERFILE_REFUSED');
    expect(err.status).toBe(400);
    expect(err.path).toBe('www.dockerfile');
    expect(err.message).toMatch(new RegExp(`^Dockerfile:${line}: `));
    expect(err.message).toMatch(message);
  });

  it('names the file as the spec does', () => {
    expect(() => confineDockerfile('FROM x\n', { ...opts, file: 'docker/Dockerfile.web' })).toThrow(/^docker\/Dockerfile\.web:1: /);
  });
});

describe('confineDockerfile: what is allowed', () => {
  it('the stack image, --platform, earlier stages by name (any case) and index, context binds and tmpfs', () => {
    const text = [
      'ARG V=1',
      'FROM --platform=linux/amd64 paas/stack:bookworm AS Build',
      'RUN --mount=type=bind,source=.,target=/src --mount=type=tmpfs,target=/tmp make -C /src',
      'COPY --from=paas/stack:bookworm /etc/os-release /x',
      'FROM build',
      'COPY --from=0 /a /b',
      'COPY --from=build /a /c',
      'RUN --mount=type=bind,from=build,source=/a,target=/a cat /a',
      'ADD local.tgz /srv/',
      'ADD ["dir/a b", "/x"]',
      'CMD ["./run"]',
      '',
    ].join('\n');
    expect(() => confineDockerfile(text, opts)).not.toThrow();
  });
});

describe('confineDockerfile: the cache scope', () => {
  it('follows every FROM of the stack image, also one continued over lines, and nothing else changes', () => {
    const text = 'FROM paas/stack:bookworm AS a\nRUN echo 1\nFROM \\\n  paas/stack:bookworm\nCOPY --from=a /x /x\nFROM a\nRUN echo 2\n';
    expect(confineDockerfile(text, opts)).toBe(
      `FROM paas/stack:bookworm AS a\n${SCOPE}\nRUN echo 1\nFROM \\\n  paas/stack:bookworm\n${SCOPE}\nCOPY --from=a /x /x\nFROM a\nRUN echo 2\n`,
    );
  });

  it('names the platform and the app', () => {
    expect(SCOPE).toBe('LABEL "paas.cache-scope"="p1/shop"');
    expect(cacheScopeLine('shop', undefined)).toBe('LABEL "paas.cache-scope"="shop"');
    expect(cacheScopeLine('shop', { 'paas.platform': 'p2' })).not.toBe(SCOPE);
  });
});
