/**
 * Push upload → directory: source → gunzip → tar-stream, one entry at a time,
 * each entry checked before it is written (architecture.md, "The push, end to
 * end", step 2; reliability.md items 15–20). Backpressure runs end to end, so
 * memory stays flat whatever the archive inflates to, and the byte cap is
 * checked on every inflated chunk, so a gzip bomb is stopped at the cap.
 */
import { lstat, mkdir, readdir, realpath, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { PaasError } from '@paas/core';
import { extract as tarExtract, type Header } from 'tar-stream';
import {
  checkSymlinkTarget,
  entryKind,
  entrySegments,
  hardlinkTargetSegments,
  safeMode,
  shownName,
  unsafe,
} from './entry-rules.js';
import { DRAIN_LIMIT_BYTES, formatBytes, resolveLimits, type ResolvedLimits, type UploadLimits } from './limits.js';
import { asPaasError, gunzipFailed, notTar, sourceClosedEarly, sourceFailed, sourceStalled, tarFailed } from './stream-errors.js';
import { TreeWriter } from './tree-writer.js';

export interface ExtractResult {
  /** Regular files written (hardlinks included). */
  files: number;
  /** Bytes of file content written. */
  bytes: number;
}

const BLOCK = 512;
const END_OF_ARCHIVE = 2 * BLOCK;

/**
 * Extracts a gzipped tar into `destDir`, which must not exist or be an empty
 * directory. On any failure `destDir` is removed, the source is drained (an
 * HTTP body, so the client can read the error) or destroyed, and the promise
 * rejects with a PaasError whose message names the offending entry.
 */
export async function extractUpload(
  source: NodeJS.ReadableStream | AsyncIterable<Buffer>,
  destDir: string,
  limits?: UploadLimits,
): Promise<ExtractResult> {
  const { input, owned } = toReadable(source);
  let root: string;
  let resolved: ResolvedLimits;
  try {
    resolved = resolveLimits(limits);
    root = await prepareDest(destDir);
  } catch (err) {
    // destDir is not ours (yet): leave it alone.
    releaseSource(input, owned);
    throw asPaasError(err);
  }
  const run = new Extraction(input, root, resolved);
  try {
    return await run.result;
  } catch (err) {
    run.detachSource();
    releaseSource(input, owned);
    await run.settled();
    await rm(destDir, { recursive: true, force: true });
    throw asPaasError(err);
  }
}

class Extraction {
  readonly result: Promise<ExtractResult>;
  private resolveResult!: (r: ExtractResult) => void;
  private rejectResult!: (e: PaasError) => void;
  private failure: PaasError | null = null;

  private readonly gunzip = createGunzip();
  private readonly tar = tarExtract();
  private readonly writer: TreeWriter;
  /** The entry being written; awaited before resolving and before cleaning up. */
  private inflight: Promise<void> = Promise.resolve();

  private compressedBytes = 0;
  private magic: Buffer | null = Buffer.alloc(0);
  private sourceEnded = false;
  private tarBytes = 0;
  private tail = Buffer.alloc(0);
  private entries = 0;
  private files = 0;
  private bytes = 0;
  private lastEntry: string | null = null;
  private lastEntryEnd = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly input: Readable,
    root: string,
    private readonly limits: ResolvedLimits,
  ) {
    this.writer = new TreeWriter(root);
    this.result = new Promise((resolve, reject) => {
      this.resolveResult = resolve;
      this.rejectResult = reject;
    });
    this.wireSource();
    this.wireGunzip();
    this.wireTar();
  }

  /** Resolves once no entry is being written any more. */
  async settled(): Promise<void> {
    await this.inflight;
  }

  detachSource(): void {
    this.input.off('data', this.onData);
    this.input.off('end', this.onEnd);
    this.input.off('close', this.onClose);
  }

  private fail(err: unknown): void {
    if (this.failure !== null) return;
    clearTimeout(this.idleTimer);
    this.failure = asPaasError(err);
    this.input.pause();
    this.gunzip.destroy();
    // Also destroys the entry being read, so a file write in progress stops.
    this.tar.destroy();
    this.rejectResult(this.failure);
  }

  // --- source → gunzip -------------------------------------------------------

  private wireSource(): void {
    this.input.on('error', this.onError);
    this.input.on('data', this.onData);
    this.input.on('end', this.onEnd);
    this.input.on('close', this.onClose);
    this.gunzip.on('drain', () => {
      if (this.failure === null) this.input.resume();
    });
    if (this.input.destroyed || this.input.readableEnded) this.fail(sourceClosedEarly());
    else this.armIdle();
  }

  /** (Re)starts the wait for the client's next bytes (reliability.md item 43). */
  private armIdle(): void {
    if (!Number.isFinite(this.limits.idleMs)) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(this.onIdle, this.limits.idleMs);
    this.idleTimer.unref();
  }

  private readonly onIdle = (): void => {
    if (this.failure !== null || this.sourceEnded) return;
    // Paused by us (gunzip, tar or the disk are behind): the client is not the one we wait for.
    if (this.input.isPaused()) this.armIdle();
    else this.fail(sourceStalled(this.limits.idleMs, this.compressedBytes, this.at()));
  };

  private readonly onData = (chunk: unknown): void => {
    if (this.failure !== null) return;
    this.armIdle();
    const buf = toBuffer(chunk);
    this.compressedBytes += buf.length;
    if (this.compressedBytes > this.limits.maxCompressedBytes) {
      this.fail(
        new PaasError('UPLOAD_TOO_LARGE', `the upload is over ${formatBytes(this.limits.maxCompressedBytes)} compressed${this.at()}`),
      );
      return;
    }
    if (!this.checkMagic(buf)) return;
    if (!this.gunzip.write(buf)) this.input.pause();
  };

  private readonly onEnd = (): void => {
    this.sourceEnded = true;
    clearTimeout(this.idleTimer);
    if (this.failure !== null) return;
    if (this.compressedBytes === 0) {
      this.fail(new PaasError('UPLOAD_INVALID', 'the upload is empty; expected a gzipped tar'));
      return;
    }
    this.gunzip.end();
  };

  private readonly onError = (err: unknown): void => {
    this.fail(sourceFailed(err));
  };

  private readonly onClose = (): void => {
    // Destroyed without an error (e.g. an aborted request in some Node versions).
    if (!this.sourceEnded) this.fail(sourceClosedEarly());
  };

  /** A clear "not gzip" instead of zlib's "incorrect header check". */
  private checkMagic(buf: Buffer): boolean {
    if (this.magic === null) return true;
    this.magic = Buffer.concat([this.magic, buf.subarray(0, 2 - this.magic.length)]);
    if (this.magic.length < 2) return true;
    const ok = this.magic[0] === 0x1f && this.magic[1] === 0x8b;
    this.magic = null;
    if (!ok) this.fail(new PaasError('UPLOAD_INVALID', 'the upload is not gzip (it does not start with the gzip magic bytes)'));
    return ok;
  }

  // --- gunzip → tar ------------------------------------------------------------

  private wireGunzip(): void {
    this.gunzip.on('data', (chunk: Buffer) => {
      if (this.failure !== null) return;
      this.tarBytes += chunk.length;
      if (this.tarBytes > this.limits.maxBytes) {
        this.fail(new PaasError('UPLOAD_TOO_LARGE', `the archive is over ${formatBytes(this.limits.maxBytes)} uncompressed${this.at()}`));
        return;
      }
      this.keepTail(chunk);
      if (!this.tar.write(chunk)) this.gunzip.pause();
    });
    this.gunzip.on('end', () => {
      if (this.failure === null) this.tar.end(null); // streamx types want an argument
    });
    this.gunzip.on('error', (err) => this.fail(gunzipFailed(err)));
  }

  /** The last 1024 bytes of tar data, to check the end-of-archive marker. */
  private keepTail(chunk: Buffer): void {
    const joined = chunk.length >= END_OF_ARCHIVE ? chunk : Buffer.concat([this.tail, chunk]);
    this.tail = Buffer.from(joined.subarray(Math.max(0, joined.length - END_OF_ARCHIVE)));
  }

  // --- tar → disk --------------------------------------------------------------

  private wireTar(): void {
    this.tar.on('drain', () => {
      if (this.failure === null) this.gunzip.resume();
    });
    this.tar.on('entry', (header, stream, next) => {
      // The entry stream fails only when the tar stream does (handled there); without a listener,
      // an error arriving while we are still checking or preparing the entry would be thrown.
      stream.on('error', () => {});
      this.inflight = this.onEntry(header, stream).then(
        () => {
          if (this.failure === null) next();
        },
        (err: unknown) => this.fail(err),
      );
    });
    this.tar.on('error', (err) => this.fail(tarFailed(err, this.lastEntry, this.tarBytes)));
    // tar-stream may finish while the last entry is still being written.
    this.tar.on('finish', () => {
      void this.inflight.then(() => this.finish());
    });
  }

  private async onEntry(header: Header, stream: TarEntryStream): Promise<void> {
    const shown = shownName(header.name);
    this.lastEntry = shown;
    this.entries += 1;
    if (this.entries > this.limits.maxEntries) {
      throw new PaasError('UPLOAD_TOO_LARGE', `the archive has more than ${this.limits.maxEntries} entries (at entry ${shown})`);
    }
    const size = header.size ?? 0;
    // tar-stream reads data for every non-directory entry; where it ends is where the end marker must start.
    const dataBlocks = header.type === 'directory' ? 0 : Math.ceil(size / BLOCK) * BLOCK;
    this.lastEntryEnd = stream.offset + BLOCK + dataBlocks;

    const kind = entryKind(header.type, shown);
    const segs = entrySegments(header.name, shown);
    if (segs.length === 0) {
      if (kind !== 'dir') throw unsafe(`entry ${shown} names the upload root itself`);
      await drain(stream);
      return;
    }
    switch (kind) {
      case 'dir':
        await drain(stream);
        await this.writer.mkdir(segs, safeMode(header.mode, 'dir'), shown);
        return;
      case 'file': {
        if (this.bytes + size > this.limits.maxBytes) {
          throw new PaasError(
            'UPLOAD_TOO_LARGE',
            `entry ${shown} (${size} bytes) takes the archive over ${formatBytes(this.limits.maxBytes)} uncompressed`,
          );
        }
        const written = await this.writer.writeFile(segs, stream, safeMode(header.mode, 'file'), shown);
        if (written !== size) throw new PaasError('UPLOAD_INCOMPLETE', `the archive ends in the middle of entry ${shown}`);
        this.files += 1;
        this.bytes += written;
        return;
      }
      case 'symlink': {
        const target = header.linkname ?? '';
        checkSymlinkTarget(segs, target, shown);
        await drain(stream);
        await this.writer.symlink(segs, target, shown);
        return;
      }
      case 'hardlink': {
        const target = header.linkname ?? '';
        const targetSegs = hardlinkTargetSegments(target, shown);
        await drain(stream);
        await this.writer.hardlink(segs, targetSegs, shown, shownName(target));
        this.files += 1;
        return;
      }
    }
  }

  private finish(): void {
    if (this.failure !== null) return;
    if (this.tarBytes < BLOCK) {
      this.fail(notTar());
      return;
    }
    // tar-stream accepts a stream cut exactly between entries; the two zero blocks tell us nothing is missing.
    const marked = this.tarBytes - this.lastEntryEnd >= END_OF_ARCHIVE && this.tail.length === END_OF_ARCHIVE && isZeros(this.tail);
    if (!marked) {
      this.fail(new PaasError('UPLOAD_INCOMPLETE', `the archive stops without the tar end-of-archive marker${this.at()}`));
      return;
    }
    this.resolveResult({ files: this.files, bytes: this.bytes });
  }

  private at(): string {
    return this.lastEntry === null ? '' : ` (after entry ${this.lastEntry})`;
  }
}

type TarEntryStream = AsyncIterable<unknown> & { offset: number };

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream) {
    // Link and directory entries normally carry no data; whatever there is gets skipped.
  }
}

function isZeros(buf: Buffer): boolean {
  for (const b of buf) if (b !== 0) return false;
  return true;
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === 'string') return Buffer.from(chunk, 'latin1');
  throw new TypeError('the upload stream must yield bytes');
}

/** `owned`: we wrapped the source ourselves, so nobody else can answer on it and it may simply be destroyed. */
function toReadable(source: NodeJS.ReadableStream | AsyncIterable<Buffer>): { input: Readable; owned: boolean } {
  if (source instanceof Readable) return { input: source, owned: false };
  return { input: Readable.from(source as AsyncIterable<Buffer>, { objectMode: false }), owned: true };
}

/**
 * After a rejection: a foreign stream (an HTTP body) is read to the end and
 * discarded, so the response can be sent and the connection is not left
 * hanging, but only up to DRAIN_LIMIT_BYTES; a stream we wrapped is destroyed.
 */
function releaseSource(input: Readable, owned: boolean): void {
  input.on('error', () => {}); // errors after the verdict change nothing
  if (input.destroyed || input.readableEnded) return;
  if (owned) {
    input.destroy();
    return;
  }
  let drained = 0;
  input.on('data', (chunk: { length: number }) => {
    drained += chunk.length;
    if (drained > DRAIN_LIMIT_BYTES) input.destroy();
  });
  input.resume();
}

/** Creates `destDir` (and its parents) or accepts an existing empty directory; returns its real path. */
async function prepareDest(destDir: string): Promise<string> {
  await mkdir(dirname(destDir), { recursive: true });
  try {
    await mkdir(destDir, { mode: 0o755 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const st = await lstat(destDir);
    if (!st.isDirectory() || (await readdir(destDir)).length > 0) {
      throw new PaasError('INTERNAL', `upload destination ${destDir} already exists and is not an empty directory`);
    }
  }
  return realpath(destDir);
}
