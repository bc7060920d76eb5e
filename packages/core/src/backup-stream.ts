/**
 * GET /v1/apps/:app/services/:service/backup answers a stream of frames, so
 * a dump that fails half-way is reported as an error, never as a short file
 * that looks complete. A frame is one type byte, a 4-byte big-endian length
 * and the payload:
 *   1 data  — bytes of the backup file, in order
 *   2 error — an ErrorBody as JSON; nothing follows
 *   3 end   — `{ "bytes": N }` as JSON: the file is complete; N counts
 *             every byte of the data frames
 */
export const BACKUP_FRAME = { data: 1, error: 2, end: 3 } as const;
export type BackupFrameType = (typeof BACKUP_FRAME)[keyof typeof BACKUP_FRAME];

export const BACKUP_STREAM_TYPE = 'application/vnd.paas.backup-stream';
const HEADER = 5;
/** Upper bound of one frame's payload; larger data is split. */
export const MAX_FRAME = 1024 * 1024;

export function encodeFrame(type: BackupFrameType, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER + payload.length);
  out[0] = type;
  new DataView(out.buffer).setUint32(1, payload.length);
  out.set(payload, HEADER);
  return out;
}

export interface BackupFrame { type: BackupFrameType; payload: Uint8Array }

/** Splits a byte stream back into frames; a frame split across chunks is held until complete. */
export class BackupFrameDecoder {
  private pending: Uint8Array[] = [];
  private size = 0;

  push(chunk: Uint8Array): BackupFrame[] {
    this.pending.push(chunk);
    this.size += chunk.length;
    const frames: BackupFrame[] = [];
    let buf = this.pending.length === 1 ? this.pending[0]! : concat(this.pending, this.size);
    let at = 0;
    while (buf.length - at >= HEADER) {
      const type = buf[at]!;
      if (type !== BACKUP_FRAME.data && type !== BACKUP_FRAME.error && type !== BACKUP_FRAME.end) {
        throw new Error(`unexpected frame type ${type} in the backup stream`);
      }
      const length = new DataView(buf.buffer, buf.byteOffset + at + 1, 4).getUint32(0);
      if (length > MAX_FRAME) throw new Error(`a backup frame of ${length} bytes is over the limit`);
      if (buf.length - at < HEADER + length) break;
      frames.push({ type: type as BackupFrameType, payload: buf.subarray(at + HEADER, at + HEADER + length) });
      at += HEADER + length;
    }
    buf = buf.subarray(at);
    this.pending = buf.length > 0 ? [buf] : [];
    this.size = buf.length;
    return frames;
  }

  /** Bytes of an incomplete frame still held (non-zero at the end means the stream was cut). */
  get buffered(): number {
    return this.size;
  }
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
