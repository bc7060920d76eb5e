import { BACKUP_FRAME, MAX_FRAME, type BackupFrameType } from '@paas/core';

/**
 * What the backup stream (packages/core/src/backup-stream.ts) carries, read
 * as it arrives: the bytes of data frames are handed on as slices of the
 * received chunks, without waiting for the whole frame and without copying,
 * so a backup of any size streams at disk speed in bounded memory. Only the
 * small error and end frames are held until complete.
 */
export type BackupPiece =
  | { type: 'data'; bytes: Buffer }
  | { type: 'error'; payload: Buffer }
  | { type: 'end'; payload: Buffer };

const HEADER = 5;

export class BackupStreamReader {
  private readonly header = Buffer.alloc(HEADER);
  private headerFill = 0;
  private frameType: BackupFrameType | undefined;
  /** Payload bytes of the current frame still to come. */
  private remaining = 0;
  private control: Buffer[] = [];

  /** Splits one chunk; throws on bytes that are not a backup stream. */
  push(chunk: Buffer): BackupPiece[] {
    const pieces: BackupPiece[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (this.frameType === undefined) {
        const take = Math.min(HEADER - this.headerFill, chunk.length - at);
        chunk.copy(this.header, this.headerFill, at, at + take);
        this.headerFill += take;
        at += take;
        if (this.headerFill < HEADER) break;
        this.headerFill = 0;
        const type = this.header[0];
        if (type !== BACKUP_FRAME.data && type !== BACKUP_FRAME.error && type !== BACKUP_FRAME.end) {
          throw new Error(`unexpected frame type ${String(type)}`);
        }
        const length = this.header.readUInt32BE(1);
        if (length > MAX_FRAME) throw new Error(`a frame of ${length} bytes is over the limit of ${MAX_FRAME}`);
        this.frameType = type;
        this.remaining = length;
        if (length === 0) this.finishFrame(pieces);
        continue;
      }
      const take = Math.min(this.remaining, chunk.length - at);
      const slice = chunk.subarray(at, at + take);
      at += take;
      this.remaining -= take;
      if (this.frameType === BACKUP_FRAME.data) pieces.push({ type: 'data', bytes: slice });
      else this.control.push(slice);
      if (this.remaining === 0) this.finishFrame(pieces);
    }
    return pieces;
  }

  /** True between frames: a stream that stops anywhere else was cut. */
  get atBoundary(): boolean {
    return this.frameType === undefined && this.headerFill === 0;
  }

  private finishFrame(pieces: BackupPiece[]): void {
    const type = this.frameType;
    this.frameType = undefined;
    if (type === BACKUP_FRAME.error || type === BACKUP_FRAME.end) {
      const payload = Buffer.concat(this.control);
      this.control = [];
      pieces.push({ type: type === BACKUP_FRAME.error ? 'error' : 'end', payload });
    }
  }
}
