import { Readable } from 'node:stream';
import { createServer } from 'node:net';
import type { PushEvent } from '@paas/core';
import { describe, expect, it } from 'vitest';
import { ApiClient } from '../src/api-client.js';
import { exitCodeFor } from '../src/render-error.js';
import { readBody, sendJson, serve } from './helpers/http-server.js';

async function collect(events: AsyncIterable<PushEvent>): Promise<PushEvent[]> {
  const seen: PushEvent[] = [];
  for await (const e of events) seen.push(e);
  return seen;
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

describe('ApiClient', () => {
  it('sends the token and returns the JSON answer', async () => {
    let auth: string | undefined;
    const { url } = await serve((req, res) => {
      auth = req.headers.authorization;
      sendJson(res, 200, { name: 'alice', admin: false });
    });
    const me = await new ApiClient({ api: url, token: 't0k' }).request('GET', '/whoami');
    expect(me).toEqual({ name: 'alice', admin: false });
    expect(auth).toBe('Bearer t0k');
  });

  it('turns an error body into the PaasError of its code, with hint and problems', async () => {
    const { url } = await serve((req, res) => {
      if (req.url === '/v1/apps/blog') sendJson(res, 404, { code: 'APP_NOT_FOUND', message: 'no app blog', hint: 'paas apps lists yours' });
      else sendJson(res, 400, { code: 'SPEC_INVALID', message: 'bad spec', problems: [{ path: 'www.type', message: 'required' }] });
    });
    const client = new ApiClient({ api: url, token: 't' });
    const notFound = await client.request('GET', '/apps/blog').catch((e: unknown) => e);
    expect(notFound).toMatchObject({ code: 'APP_NOT_FOUND', message: 'no app blog', hint: 'paas apps lists yours' });
    expect(exitCodeFor(notFound)).toBe(4);
    const invalid = await client.request('POST', '/apps', { name: 'x' }).catch((e: unknown) => e);
    expect(invalid).toMatchObject({ code: 'SPEC_INVALID', problems: [{ path: 'www.type', message: 'required' }] });
    expect(exitCodeFor(invalid)).toBe(3);
  });

  it('maps answers that are not our error shape by status', async () => {
    const { url } = await serve((req, res) => {
      res.writeHead(req.url === '/v1/a' ? 401 : 502, { 'content-type': 'text/plain' });
      res.end('nope');
    });
    const client = new ApiClient({ api: url, token: 't' });
    expect(await client.request('GET', '/a').catch((e: unknown) => e)).toMatchObject({ code: 'AUTH_REQUIRED' });
    expect(await client.request('GET', '/b').catch((e: unknown) => e)).toMatchObject({ code: 'API_UNREACHABLE' });
  });

  it('reports an API that does not listen as API_UNREACHABLE (exit 9)', async () => {
    const api = `http://127.0.0.1:${await closedPort()}`;
    const err = await new ApiClient({ api, token: 't' }).request('GET', '/whoami').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'API_UNREACHABLE' });
    expect((err as Error).message).toContain(api);
    expect(exitCodeFor(err)).toBe(9);
  });

  it('streams the push body with its length and yields events up to done', async () => {
    let received: { length: string | undefined; type: string | undefined; query: string | undefined; body: string } | undefined;
    const { url } = await serve(async (req, res) => {
      const body = (await readBody(req)).toString();
      received = { length: req.headers['content-length'], type: req.headers['content-type'], query: req.url, body };
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write('{"type":"build.step","service":"www","step":"Step 1/2"}\n{"type":"log",');
      // An event split across two chunks must still arrive whole.
      setTimeout(() => {
        res.write('"line":"ok"}\n');
        res.end('{"type":"done","release":"v1","url":"http://blog.localhost:8080"}\n');
      }, 20);
    });
    const payload = 'x'.repeat(100_000);
    const events = await collect(new ApiClient({ api: url, token: 't' }).push('blog', Readable.from([payload]), payload.length, { clean: true }));
    expect(received).toEqual({ length: '100000', type: 'application/gzip', query: '/v1/apps/blog/pushes?clean=1', body: payload });
    expect(events.map((e) => e.type)).toEqual(['build.step', 'log', 'done']);
  });

  it('reports an error answered before the stream starts as that error', async () => {
    const { url } = await serve((_req, res) => {
      // Answer at once, without reading the upload: the client must still see the 409.
      sendJson(res, 409, { code: 'DEPLOY_LOCKED', message: 'another push of blog is running' });
    });
    const payload = Buffer.alloc(2_000_000);
    const err = await collect(new ApiClient({ api: url, token: 't' }).push('blog', Readable.from([payload]), payload.length)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DEPLOY_LOCKED' });
    expect(exitCodeFor(err)).toBe(5);
  });

  it('treats a stream that ends without done as a lost connection (exit 9)', async () => {
    const { url } = await serve(async (req, res) => {
      await readBody(req);
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.end('{"type":"build.step","service":"www","step":"Step 1/2"}\n');
    });
    const events: PushEvent[] = [];
    const err = await (async () => {
      for await (const e of new ApiClient({ api: url, token: 't' }).push('blog', Readable.from(['x']), 1)) events.push(e);
    })().catch((e: unknown) => e);
    expect(events).toHaveLength(1);
    expect(err).toMatchObject({ code: 'API_UNREACHABLE', message: 'the connection to the API was lost' });
    expect(exitCodeFor(err)).toBe(9);
  });

  it('treats an API killed mid-stream as a lost connection (exit 9)', async () => {
    const { url } = await serve(async (req, res) => {
      await readBody(req);
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write('{"type":"build.step","service":"www","step":"Step 1/2"}\n{"type":"lo');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const err = await collect(new ApiClient({ api: url, token: 't' }).push('blog', Readable.from(['x']), 1)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'API_UNREACHABLE', message: 'the connection to the API was lost' });
    expect(exitCodeFor(err)).toBe(9);
  });

  it('reads on after done until the server ends the stream, so the deploy lock is free when push returns', async () => {
    let ended = false;
    const { url } = await serve(async (req, res) => {
      await readBody(req);
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write('{"type":"done","release":"v2","url":"http://blog.localhost:8080"}\n');
      // The server retires the old instances after done, holding the lock.
      setTimeout(() => {
        res.end('{"type":"log","line":"retired 1 old instance"}\n', () => (ended = true));
      }, 150);
    });
    const events = await collect(new ApiClient({ api: url, token: 't' }).push('blog', Readable.from(['x']), 1));
    expect(events.map((e) => e.type)).toEqual(['done', 'log']);
    expect(ended).toBe(true);
  });

  it('counts a connection lost after done as a live release, not a failure', async () => {
    const { url } = await serve(async (req, res) => {
      await readBody(req);
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write('{"type":"done","release":"v2","url":"http://blog.localhost:8080"}\n');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const events = await collect(new ApiClient({ api: url, token: 't' }).push('blog', Readable.from(['x']), 1));
    expect(events.map((e) => e.type)).toEqual(['done']);
  });
});
