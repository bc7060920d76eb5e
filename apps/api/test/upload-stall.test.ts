import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { PaasError } from '@paas/core';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { openStore } from '../src/store/index.js';
import type { Store } from '../src/store/types.js';
import { hashToken } from '../src/tokens.js';
import { extractUpload } from '../src/upload/index.js';
import { tgzOf } from './fixtures/upload/archives.js';
import { pgliteDataDir } from './helpers/pg.js';
import { testPlatform } from './helpers/test-platform.js';

// Reliability item 43: an upload whose client stops sending is aborted after an idle timeout.

/** Random (incompressible) content, so that half the archive is half the bytes. */
const archive = (): Promise<Buffer> =>
  tgzOf([
    { name: 'paas.yml', body: 'www:\n  type: static\n' },
    { name: 'big.bin', body: randomBytes(512 * 1024) },
  ]);

/** Yields `first`, then nothing for ever: a client that stopped sending. */
function stallingSource(first: Buffer): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) this.push(first);
      sent = true;
    },
  });
}

let work: string;
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('extractUpload with idleMs', () => {
  it('aborts a source that stops sending with UPLOAD_STALLED and removes what it wrote', async () => {
    work = await mkdtemp(join(tmpdir(), 'paas-stall-'));
    const dest = join(work, 'push-1');
    const tgz = await archive();
    const err = await extractUpload(stallingSource(tgz.subarray(0, tgz.length >> 1)), dest, { idleMs: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PaasError);
    expect((err as PaasError).code).toBe('UPLOAD_STALLED');
    expect((err as PaasError).message).toMatch(/^the upload sent no data for 0\.2 s and was aborted; \d+ bytes had arrived \(after entry "big\.bin"\)$/);
    expect(existsSync(dest)).toBe(false);
  });

  it('accepts a slow source that keeps sending within the idle time', async () => {
    work = await mkdtemp(join(tmpdir(), 'paas-stall-'));
    const tgz = await archive();
    const pieces = 8;
    const size = Math.ceil(tgz.length / pieces);
    async function* slow(): AsyncGenerator<Buffer> {
      for (let i = 0; i < pieces; i++) {
        await sleep(60);
        yield tgz.subarray(i * size, (i + 1) * size);
      }
    }
    // 8 × 60 ms is well over the 150 ms idle time, but no single gap is.
    expect(await extractUpload(slow(), join(work, 'push-2'), { idleMs: 150 })).toMatchObject({ files: 2 });
  });
});

describe('POST /v1/apps/:app/pushes with a client that stalls (real HTTP)', () => {
  const TOKEN = 'paas_alice-token-for-tests';
  const IDLE_MS = 1500;
  let app: FastifyInstance;
  let store: Store;
  let port: number;
  let cleanup: () => Promise<void>;
  let home: string;

  beforeAll(async () => {
    const dir = await pgliteDataDir();
    cleanup = dir.cleanup;
    home = await mkdtemp(join(tmpdir(), 'paas-stall-home-'));
    store = await openStore({ dataDir: dir.dataDir });
    await store.createUser('alice', false, hashToken(TOKEN));
    await store.createApp('blog', 'alice');
    const p = testPlatform(store, { PAAS_HOME: home, PAAS_UPLOAD_IDLE_MS: String(IDLE_MS) });
    app = buildApp(p);
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await app?.close();
    await store?.close();
    await cleanup?.();
    await rm(home, { recursive: true, force: true });
  });

  /** Push files left in the API's upload directory. */
  const pushDirs = async (): Promise<string[]> => (await readdir(join(home, 'tmp')).catch(() => [])).filter((n) => n.startsWith('push-'));

  /** Another push of blog with a body that is not an archive: 409 while the app is locked, else 400 UPLOAD_INVALID. */
  async function otherPush(): Promise<[number, string]> {
    const r = await fetch(`http://127.0.0.1:${port}/v1/apps/blog/pushes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/gzip' },
      body: 'not a gzip',
    });
    return [r.status, ((await r.json()) as { code: string }).code];
  }

  it('answers 408 UPLOAD_STALLED, closes the connection, removes the files and frees the app', async () => {
    const tgz = await archive();
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (c: Buffer) => (answer += c.toString('latin1')));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    const started = Date.now();
    socket.write(
      'POST /v1/apps/blog/pushes HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
        `Authorization: Bearer ${TOKEN}\r\nContent-Type: application/gzip\r\nContent-Length: ${tgz.length}\r\n\r\n`,
    );
    socket.write(tgz.subarray(0, tgz.length >> 1));

    // While the client is stalled the push holds the app's lock and has files on disk.
    for (let i = 0; i < 20 && (await pushDirs()).length === 0; i++) await sleep(50);
    expect(await pushDirs()).toHaveLength(1);
    expect(await otherPush()).toEqual([409, 'DEPLOY_LOCKED']);

    // The server closes the connection itself: the client never sends the rest.
    await closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(IDLE_MS - 100);
    const [head = '', body = ''] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 408 /);
    expect(head.toLowerCase()).toContain('connection: close');
    expect(JSON.parse(body)).toMatchObject({ code: 'UPLOAD_STALLED' });
    expect(await pushDirs()).toEqual([]);

    // The lock is free: the next push gets as far as checking its (bad) archive.
    expect(await otherPush()).toEqual([400, 'UPLOAD_INVALID']);
    expect(await pushDirs()).toEqual([]);
  });
});
