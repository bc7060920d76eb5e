import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { type ErrorCode, PaasError } from '@paas/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRIES, extractUpload, type UploadLimits } from '../src/upload/index.js';
import { type EntrySpec, streamOf, tarOf, tgzOf, ustarHeader, zeroBomb } from './fixtures/upload/archives.js';

const MiB = 1024 * 1024;

let work: string;
let dest: string;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'paas-upload-'));
  dest = join(work, 'tmp', 'push-1'); // parents do not exist yet, as in the push route
});

afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Extraction must fail with `code`, leave nothing behind, and return the error for more checks. */
async function expectRejected(
  source: Buffer | Readable | AsyncIterable<Buffer>,
  code: ErrorCode,
  limits?: UploadLimits,
): Promise<PaasError> {
  const input = Buffer.isBuffer(source) ? streamOf(source) : source;
  const err: unknown = await extractUpload(input, dest, limits).then(
    () => expect.fail(`expected ${code}, but the upload was accepted`),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PaasError);
  expect((err as PaasError).code, (err as PaasError).message).toBe(code);
  expect(existsSync(dest)).toBe(false);
  return err as PaasError;
}

async function rejects(entries: EntrySpec[], code: ErrorCode, limits?: UploadLimits): Promise<PaasError> {
  return expectRejected(await tgzOf(entries), code, limits);
}

const mode = (p: string): number => statSync(p).mode & 0o7777;

describe('extractUpload: a valid tree', () => {
  it('extracts nested dirs, exec bits, inside symlinks and hardlinks byte for byte', async () => {
    const data = randomBytes(100 * 1024);
    const longName = `${'very-long-directory-name/'.repeat(6)}file.txt`; // > 100 chars: pax header
    const entries: EntrySpec[] = [
      { name: './', type: 'directory', mode: 0o755 },
      { name: 'paas.yml', body: 'www:\n  type: node\n', mode: 0o644 },
      { name: 'app/', type: 'directory', mode: 0o750 },
      { name: 'app/bin/run.sh', body: '#!/bin/sh\necho hi\n', mode: 0o755 },
      { name: 'app/lib/deep/nested/data.bin', body: data, mode: 0o640 },
      { name: 'app/empty.txt', body: '', mode: 0o644 },
      { name: 'app/current', type: 'symlink', linkname: 'lib/deep' },
      { name: 'app/lib/run', type: 'symlink', linkname: '../bin/run.sh' },
      { name: 'app/self', type: 'symlink', linkname: '.' },
      { name: 'app/hard.bin', type: 'link', linkname: 'app/lib/deep/nested/data.bin' },
      { name: './implicit//dir/./file.txt', body: 'implicit parents', mode: 0o600 },
      { name: 'données/é.txt', body: 'utf-8 names', mode: 0o644 },
      { name: longName, body: 'long', mode: 0o644 },
    ];
    const result = await extractUpload(streamOf(await tgzOf(entries), 7919), dest);

    const contentBytes = 18 + 18 + data.length + 16 + 11 + 4;
    expect(result).toEqual({ files: 8, bytes: contentBytes });
    expect(readFileSync(join(dest, 'paas.yml'), 'utf8')).toBe('www:\n  type: node\n');
    expect(readFileSync(join(dest, 'app/bin/run.sh'), 'utf8')).toBe('#!/bin/sh\necho hi\n');
    expect(readFileSync(join(dest, 'app/lib/deep/nested/data.bin')).equals(data)).toBe(true);
    expect(readFileSync(join(dest, 'app/empty.txt')).length).toBe(0);
    expect(readFileSync(join(dest, 'implicit/dir/file.txt'), 'utf8')).toBe('implicit parents');
    expect(readFileSync(join(dest, 'données/é.txt'), 'utf8')).toBe('utf-8 names');
    expect(readFileSync(join(dest, longName), 'utf8')).toBe('long');

    expect(mode(join(dest, 'app/bin/run.sh'))).toBe(0o755);
    expect(mode(join(dest, 'app/lib/deep/nested/data.bin'))).toBe(0o640);
    expect(mode(join(dest, 'implicit/dir/file.txt'))).toBe(0o600);
    expect(mode(join(dest, 'app'))).toBe(0o750);
    expect(mode(join(dest, 'app/lib/deep'))).toBe(0o755); // implicit directory

    expect(lstatSync(join(dest, 'app/current')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(dest, 'app/current'))).toBe('lib/deep');
    expect(readFileSync(join(dest, 'app/current/nested/data.bin')).equals(data)).toBe(true);
    expect(readFileSync(join(dest, 'app/lib/run'), 'utf8')).toBe('#!/bin/sh\necho hi\n');
    expect(readlinkSync(join(dest, 'app/self'))).toBe('.');
    expect(statSync(join(dest, 'app/hard.bin')).ino).toBe(statSync(join(dest, 'app/lib/deep/nested/data.bin')).ino);
  });

  it('accepts an existing empty destination directory', async () => {
    await mkdir(dest, { recursive: true });
    await expect(extractUpload(streamOf(await tgzOf([{ name: 'a', body: 'x' }])), dest)).resolves.toEqual({ files: 1, bytes: 1 });
    expect(readFileSync(join(dest, 'a'), 'utf8')).toBe('x');
  });

  it('accepts an async iterable source', async () => {
    const tgz = await tgzOf([{ name: 'a', body: 'x' }]);
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let i = 0; i < tgz.length; i += 10) yield tgz.subarray(i, i + 10);
    }
    await expect(extractUpload(chunks(), dest)).resolves.toEqual({ files: 1, bytes: 1 });
  });

  it('lets a later entry replace a symlink without writing through it', async () => {
    await extractUpload(
      streamOf(
        await tgzOf([
          { name: 'target', body: 'original' },
          { name: 'x', type: 'symlink', linkname: 'target' },
          { name: 'x', body: 'replacement' },
        ]),
      ),
      dest,
    );
    expect(readFileSync(join(dest, 'target'), 'utf8')).toBe('original');
    expect(lstatSync(join(dest, 'x')).isFile()).toBe(true);
    expect(readFileSync(join(dest, 'x'), 'utf8')).toBe('replacement');
  });

  it('refuses a destination that already holds files, and leaves it alone', async () => {
    await mkdir(dest, { recursive: true });
    await writeFile(join(dest, 'keep'), 'mine');
    const err = await extractUpload(streamOf(await tgzOf([{ name: 'a', body: 'x' }])), dest).catch((e: unknown) => e);
    expect((err as PaasError).code).toBe('INTERNAL');
    expect(readFileSync(join(dest, 'keep'), 'utf8')).toBe('mine');
  });
});

describe('extractUpload: unsafe paths (reliability 15)', () => {
  it.each([
    ['an absolute path', '/etc/cron.d/evil'],
    ['a leading ..', '../x'],
    ['a .. that climbs out', 'a/../../x'],
    ['a .. that stays inside', 'a/../x'],
    ['a backslash', 'a\\..\\x'],
  ])('rejects %s', async (_what, name) => {
    const err = await rejects([{ name: 'ok.txt', body: 'fine' }, { name, body: 'evil' }], 'UPLOAD_UNSAFE_PATH');
    expect(err.message).toContain(JSON.stringify(name));
  });

  it('rejects a NUL byte smuggled in through a pax path', async () => {
    await rejects([{ name: 'innocent', body: 'x', pax: { path: 'a\u0000b' } }], 'UPLOAD_UNSAFE_PATH');
  });

  it('truncates long entry names in messages to 200 characters', async () => {
    const name = `${'n'.repeat(300)}/../../x`;
    const err = await rejects([{ name, body: 'x' }], 'UPLOAD_UNSAFE_PATH');
    expect(err.message).toContain(`"${'n'.repeat(200)}…"`);
    expect(err.message).not.toContain('n'.repeat(201));
  });
});

describe('extractUpload: links (reliability 16)', () => {
  it.each([
    ['an absolute target', 'passwd', '/etc/passwd'],
    ['a ../.. target', 'sub/link', '../../x'],
    ['a .. target at the root', 'link', '..'],
    ['a .. after a name (d/up -> .. makes d/up/.. escape)', 'e', 'd/up/..'],
    ['a backslash target', 'link', '..\\x'],
  ])('rejects a symlink with %s', async (_what, name, linkname) => {
    const err = await rejects(
      [
        { name: 'd/up', type: 'symlink', linkname: '..' },
        { name, type: 'symlink', linkname },
      ],
      'UPLOAD_UNSAFE_PATH',
    );
    expect(err.message).toContain(JSON.stringify(name));
  });

  it.each([
    ['l -> . then l/x', 'l', '.', 'l/x'],
    ['d/l -> .. then d/l/x', 'd/l', '..', 'd/l/x'],
    ['l -> sub then l/file', 'l', 'sub', 'l/file'],
  ])('rejects writing through a symlink: %s', async (_what, link, linkname, through) => {
    await rejects(
      [
        { name: 'sub/', type: 'directory' },
        { name: link, type: 'symlink', linkname },
        { name: through, body: 'escaped?' },
      ],
      'UPLOAD_UNSAFE_PATH',
    );
  });

  it('rejects a directory entry under a symlink', async () => {
    await rejects(
      [
        { name: 'd/l', type: 'symlink', linkname: '..' },
        { name: 'd/l/sub/', type: 'directory' },
      ],
      'UPLOAD_UNSAFE_PATH',
    );
  });

  it.each([
    ['outside the tree', '../outside'],
    ['to an absolute path', '/etc/passwd'],
    ['to a file not earlier in the upload', 'etc/passwd'],
    ['to a symlink', 'link'],
  ])('rejects a hardlink %s', async (_what, linkname) => {
    await rejects(
      [
        { name: 'file', body: 'x' },
        { name: 'link', type: 'symlink', linkname: 'file' },
        { name: 'hard', type: 'link', linkname },
      ],
      'UPLOAD_UNSAFE_PATH',
    );
  });
});

describe('extractUpload: entry types and modes (reliability 17)', () => {
  it.each([
    ['a character device', { name: 'null', type: 'character-device', devmajor: 1, devminor: 3 }],
    ['a block device', { name: 'sda', type: 'block-device', devmajor: 8, devminor: 0 }],
    ['a FIFO', { name: 'pipe', type: 'fifo' }],
  ] as const)('rejects %s', async (_what, entry) => {
    const err = await rejects([{ name: 'ok', body: 'x' }, { ...entry }], 'UPLOAD_UNSUPPORTED_ENTRY');
    expect(err.message).toContain(JSON.stringify(entry.name));
  });

  it('strips setuid, setgid and sticky bits and keeps files owner-writable', async () => {
    await extractUpload(
      streamOf(
        await tgzOf([
          { name: 'suid', body: 'x', mode: 0o4755 },
          { name: 'sgid', body: 'x', mode: 0o2711 },
          { name: 'readonly', body: 'x', mode: 0o444 },
          { name: 'sticky/', type: 'directory', mode: 0o1777 },
          { name: 'closed/', type: 'directory', mode: 0o555 },
          { name: 'closed/inside', body: 'still written', mode: 0o644 },
        ]),
      ),
      dest,
    );
    expect(mode(join(dest, 'suid'))).toBe(0o755);
    expect(mode(join(dest, 'sgid'))).toBe(0o711);
    expect(mode(join(dest, 'readonly'))).toBe(0o644);
    expect(mode(join(dest, 'sticky'))).toBe(0o777);
    expect(mode(join(dest, 'closed'))).toBe(0o755);
    expect(readFileSync(join(dest, 'closed/inside'), 'utf8')).toBe('still written');
  });
});

describe('extractUpload: size and entry caps (reliability 18)', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_MAX_BYTES).toBe(512 * MiB);
    expect(DEFAULT_MAX_ENTRIES).toBe(100_000);
  });

  it('stops a 1 GiB gzip bomb at the cap, quickly, with flat memory', async () => {
    const bomb = zeroBomb(1024 * MiB);
    expect(bomb.length).toBeLessThan(2 * MiB);
    let pulled = 0;
    let closed = false;
    async function* source(): AsyncGenerator<Buffer> {
      try {
        for (let i = 0; i < bomb.length; i += 64 * 1024) {
          pulled += 64 * 1024;
          yield bomb.subarray(i, i + 64 * 1024);
        }
      } finally {
        closed = true;
      }
    }
    const rssBefore = process.memoryUsage().rss;
    const started = Date.now();
    const err = await expectRejected(source(), 'UPLOAD_TOO_LARGE', { maxBytes: 10 * MiB });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(100 * MiB);
    // Reading stopped near the cap: 10 MiB of zeros is about 10 KB compressed.
    expect(pulled).toBeLessThan(bomb.length / 4);
    expect(closed).toBe(true);
    expect(err.message).toContain('10 MiB');
  });

  it('the bomb builder makes real gzip (checked on a small one)', () => {
    const out = gunzipSync(zeroBomb(8 * MiB, ustarHeader('x', 8 * MiB)));
    expect(out.length).toBe(8 * MiB + 512);
  });

  it('rejects an entry whose declared size is over the cap before writing it', async () => {
    const bomb = zeroBomb(64 * MiB, ustarHeader('big.bin', 1024 * MiB));
    const err = await expectRejected(bomb, 'UPLOAD_TOO_LARGE', { maxBytes: 10 * MiB });
    expect(err.message).toContain('"big.bin"');
  });

  it('counts bytes across entries', async () => {
    const mib = Buffer.alloc(MiB);
    const entries = Array.from({ length: 12 }, (_, i) => ({ name: `f${i}`, body: mib }));
    await rejects(entries, 'UPLOAD_TOO_LARGE', { maxBytes: 10 * MiB });
  });

  it('accepts an archive just under the cap', async () => {
    const entries = Array.from({ length: 9 }, (_, i) => ({ name: `f${i}`, body: Buffer.alloc(MiB) }));
    await expect(extractUpload(streamOf(await tgzOf(entries)), dest, { maxBytes: 10 * MiB })).resolves.toEqual({
      files: 9,
      bytes: 9 * MiB,
    });
  });

  it('rejects more entries than maxEntries, and accepts exactly maxEntries', async () => {
    const entries = (n: number): EntrySpec[] => Array.from({ length: n }, (_, i) => ({ name: `d${i % 5}/f${i}`, body: '' }));
    const err = await rejects(entries(51), 'UPLOAD_TOO_LARGE', { maxEntries: 50 });
    expect(err.message).toContain('50');
    await expect(extractUpload(streamOf(await tgzOf(entries(50))), dest, { maxEntries: 50 })).resolves.toEqual({
      files: 50,
      bytes: 0,
    });
  });

  it('rejects more compressed bytes than maxCompressedBytes', async () => {
    await rejects([{ name: 'noise', body: randomBytes(MiB) }], 'UPLOAD_TOO_LARGE', { maxCompressedBytes: 64 * 1024 });
  });
});

describe('extractUpload: not gzip, not tar, truncated (reliability 19)', () => {
  it('rejects bytes that are not gzip', async () => {
    await expectRejected(Buffer.from('PK\u0003\u0004 this is a zip, not a tgz'), 'UPLOAD_INVALID');
  });

  it('rejects an empty upload', async () => {
    await expectRejected(Buffer.alloc(0), 'UPLOAD_INVALID');
  });

  it('rejects gzip with corrupt deflate data', async () => {
    const tgz = await tgzOf([{ name: 'a', body: randomBytes(4096) }]);
    tgz.fill(0xff, 20, 60);
    await expectRejected(tgz, 'UPLOAD_INVALID');
  });

  it.each([
    ['random bytes', randomBytes(4096)],
    ['a short text', Buffer.from('hello, world')],
  ])('rejects gzip of %s that is not a tar', async (_what, garbage) => {
    await expectRejected(gzipSync(garbage), 'UPLOAD_INVALID');
  });

  it('rejects a tar whose second header is corrupt', async () => {
    const tar = await tarOf([
      { name: 'a', body: 'x' },
      { name: 'b', body: 'y' },
    ]);
    tar.writeUInt8(tar.readUInt8(1024 + 10) ^ 0xff, 1024 + 10); // the second header follows the first header and its data block
    const err = await expectRejected(gzipSync(tar), 'UPLOAD_INVALID');
    expect(err.message).toContain('"a"');
  });

  it('rejects an archive cut in half', async () => {
    const tgz = await tgzOf([{ name: 'a', body: 'x' }, { name: 'noise.bin', body: randomBytes(256 * 1024) }]);
    await expectRejected(tgz.subarray(0, tgz.length >> 1), 'UPLOAD_INCOMPLETE');
  });

  it('rejects a complete gzip whose tar is cut in the middle of an entry', async () => {
    const tar = await tarOf([{ name: 'noise.bin', body: randomBytes(64 * 1024) }]);
    await expectRejected(gzipSync(tar.subarray(0, 512 + 10_000)), 'UPLOAD_INCOMPLETE');
  });

  it('rejects a tar cut between entries (no end-of-archive marker), even after a file of zeros', async () => {
    const tar = await tarOf([{ name: 'zeros', body: Buffer.alloc(4096) }, { name: 'next', body: 'x' }]);
    await expectRejected(gzipSync(tar.subarray(0, 512 + 4096)), 'UPLOAD_INCOMPLETE');
  });
});

describe('extractUpload: upload cut off (reliability 20)', () => {
  it('rejects a source that errors midway, leaving nothing behind', async () => {
    const tgz = await tgzOf([
      { name: 'first.txt', body: 'written before the cut' },
      { name: 'noise.bin', body: randomBytes(512 * 1024) },
    ]);
    const source = new Readable({ read() {} });
    source.push(tgz.subarray(0, tgz.length >> 1));
    setTimeout(() => source.destroy(new Error('socket hang up')), 20);
    const err = await expectRejected(source, 'UPLOAD_INCOMPLETE');
    expect(err.message).toContain('socket hang up');
  });

  it('rejects a source destroyed without an error', async () => {
    const tgz = await tgzOf([{ name: 'noise.bin', body: randomBytes(512 * 1024) }]);
    const source = new Readable({ read() {} });
    source.push(tgz.subarray(0, 1000));
    setTimeout(() => source.destroy(), 20);
    await expectRejected(source, 'UPLOAD_INCOMPLETE');
  });

  it('drains the rest of a rejected request body so the connection can answer', async () => {
    const evil = await tgzOf([{ name: '../x', body: 'x' }, { name: 'pad', body: randomBytes(256 * 1024) }]);
    const source = streamOf(evil, 1024);
    await expectRejected(source, 'UPLOAD_UNSAFE_PATH');
    await new Promise<void>((resolve) => {
      if (source.readableEnded) resolve();
      else source.once('end', () => resolve());
    });
    expect(source.readableEnded).toBe(true);
  });
});
