import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { createGzip, gzipSync } from 'node:zlib';
import type { AppDetail } from '@paas/core';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type Platform } from './harness/platform.js';

let p: Platform;
let token: string;
beforeAll(async () => {
  p = await startPlatform({ PAAS_MAX_UPLOAD_MB: '2' });
  token = await p.adminToken();
  expect((await p.paas(['create', 'uploads'])).code).toBe(0);
});
afterAll(async () => {
  await p?.stop();
});

type Entry = { name: string; type?: 'file' | 'symlink' | 'link' | 'fifo' | 'directory'; body?: string; linkname?: string; mode?: number };

async function tarball(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  const out = buffer(pack.pipe(createGzip()));
  for (const e of entries) {
    const { body, ...header } = e;
    pack.entry({ type: 'file', mode: 0o644, ...header }, body ?? '');
  }
  pack.finalize();
  return out;
}

const spec = { name: 'paas.yml', body: 'www:\n  type: python\n  process: exec python3 server.py\n' };

async function upload(body: Buffer | Readable): Promise<{ status: number; json: { code?: string; message?: string } }> {
  const res = await fetch(`http://127.0.0.1:${p.apiPort}/v1/apps/uploads/pushes`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/gzip' },
    body: body instanceof Readable ? (Readable.toWeb(body) as ReadableStream) : body,
    ...(body instanceof Readable ? { duplex: 'half' } : {}),
  } as RequestInit);
  return { status: res.status, json: (await res.json()) as { code?: string } };
}

async function assertNothingLeft(): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${p.apiPort}/v1/apps/uploads`, { headers: { authorization: `Bearer ${token}` } });
  const d = (await res.json()) as AppDetail;
  expect(d.builds).toEqual([]);
  expect(d.releases).toEqual([]);
  expect(d.instances).toEqual([]);
  expect(await readdir(join(p.home, 'tmp'))).toEqual([]);
}

describe('bad uploads are refused before anything is stored (reliability 15–20)', () => {
  const cases: [string, () => Promise<Buffer>, number, string][] = [
    ['an absolute path', () => tarball([spec, { name: '/etc/evil', body: 'x' }]), 400, 'UPLOAD_UNSAFE_PATH'],
    ['a .. path', () => tarball([spec, { name: 'a/../../evil', body: 'x' }]), 400, 'UPLOAD_UNSAFE_PATH'],
    ['a backslash path', () => tarball([spec, { name: 'a\\..\\evil', body: 'x' }]), 400, 'UPLOAD_UNSAFE_PATH'],
    ['a symlink out of the tree', () => tarball([spec, { name: 'passwd', type: 'symlink', linkname: '/etc/passwd' }]), 400, 'UPLOAD_UNSAFE_PATH'],
    ['a hardlink out of the tree', () => tarball([spec, { name: 'h', type: 'link', linkname: '../../etc/passwd' }]), 400, 'UPLOAD_UNSAFE_PATH'],
    ['a FIFO', () => tarball([spec, { name: 'pipe', type: 'fifo' }]), 400, 'UPLOAD_UNSUPPORTED_ENTRY'],
    ['bytes that are not gzip', async () => Buffer.from('this is not a gzip stream at all'), 400, 'UPLOAD_INVALID'],
    ['gzip of something that is not tar', async () => gzipSync(Buffer.alloc(4096, 'z')), 400, 'UPLOAD_INVALID'],
    ['a truncated archive', async () => {
      // Random bytes do not compress, so cutting the gzip in half cuts the tar mid-entry.
      const whole = await tarball([spec, { name: 'big', body: randomBytes(150_000).toString('base64') }]);
      return whole.subarray(0, Math.floor(whole.length / 2));
    }, 400, 'UPLOAD_INCOMPLETE'],
    ['a gzip bomb over the uncompressed cap', async () => tarball([spec, { name: 'zeros', body: '\0'.repeat(8 * 1024 * 1024) }]), 413, 'UPLOAD_TOO_LARGE'],
  ];
  for (const [name, make, status, code] of cases) {
    it(`${name} → ${status} ${code}`, async () => {
      const r = await upload(await make());
      expect({ status: r.status, code: r.json.code }).toEqual({ status, code });
      expect(r.json.message).toBeTruthy();
      await assertNothingLeft();
    });
  }

  it('an upload cut off midway: no build, no release, temporary files removed', async () => {
    const whole = await tarball([spec, { name: 'big', body: randomBytes(300_000).toString('base64') }]);
    await new Promise<void>((resolve) => {
      const req = request({
        host: '127.0.0.1',
        port: p.apiPort,
        method: 'POST',
        path: '/v1/apps/uploads/pushes',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/gzip', 'content-length': whole.length },
      });
      req.on('error', () => resolve());
      req.write(whole.subarray(0, Math.floor(whole.length / 2)), () => setTimeout(() => req.destroy(), 200));
      req.on('close', () => resolve());
    });
    await new Promise((r) => setTimeout(r, 500));
    await assertNothingLeft();
  });
});
