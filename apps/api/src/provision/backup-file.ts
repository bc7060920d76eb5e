import { createHash, type Hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import { PaasError } from '@paas/core';

/**
 * The file `paas backup` writes: one header line naming the format and the
 * service type, the type's own dump (pg_dump's custom format, mysqldump's
 * SQL, an RDB file, …), and a fixed-size footer with the SHA-256 of all
 * that precedes it and the dump's length. A truncated or corrupt file, or
 * one of another type, is refused before the service is touched.
 */
export const MAGIC = 'PAAS-BACKUP';
const FOOTER_TAG = 'PAAS-BACKUP-END';
/** "\n" + tag + " " + 64 hex + " " + 16 hex + "\n" */
export const FOOTER_BYTES = 1 + FOOTER_TAG.length + 1 + 64 + 1 + 16 + 1;
const MAX_HEADER = 512;

export function backupHeader(type: string, service: string, at = new Date()): Buffer {
  return Buffer.from(`${MAGIC} 1 ${type} ${service} ${at.toISOString()}\n`, 'utf8');
}

export function backupFooter(hash: Hash, dumpBytes: number): Buffer {
  return Buffer.from(`\n${FOOTER_TAG} ${hash.digest('hex')} ${dumpBytes.toString(16).padStart(16, '0')}\n`, 'utf8');
}

/** Hashes what passes, for the footer. */
export class BackupHasher {
  readonly hash = createHash('sha256');
  dumpBytes = 0;

  header(type: string, service: string): Buffer {
    const h = backupHeader(type, service);
    this.hash.update(h);
    return h;
  }

  dump(chunk: Buffer): Buffer {
    this.hash.update(chunk);
    this.dumpBytes += chunk.length;
    return chunk;
  }

  footer(): Buffer {
    return backupFooter(this.hash, this.dumpBytes);
  }
}

export interface CheckedBackup {
  type: string;
  /** Byte range of the dump inside the spooled file. */
  start: number;
  end: number;
}

/**
 * Writes an uploaded backup to a file while hashing it, holding back the
 * last FOOTER_BYTES (the footer is not part of its own hash). `check()`
 * then says whether the file is complete and of the expected type.
 */
export class BackupSpool extends Writable {
  private readonly out;
  private readonly hash = createHash('sha256');
  private held = Buffer.alloc(0);
  private head = Buffer.alloc(0);
  private total = 0;

  constructor(path: string) {
    super();
    this.out = createWriteStream(path, { mode: 0o600 });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.total += chunk.length;
    if (this.head.length < MAX_HEADER) this.head = Buffer.concat([this.head, chunk.subarray(0, MAX_HEADER - this.head.length)]);
    const all = this.held.length > 0 ? Buffer.concat([this.held, chunk]) : chunk;
    const cut = Math.max(0, all.length - FOOTER_BYTES);
    this.hash.update(all.subarray(0, cut));
    this.held = Buffer.from(all.subarray(cut));
    if (this.out.write(chunk)) callback();
    else this.out.once('drain', () => callback());
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.out.end(() => callback());
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.out.destroy();
    callback(err);
  }

  get bytes(): number {
    return this.total;
  }

  check(expectedType: string): CheckedBackup {
    const newline = this.head.indexOf(0x0a);
    const header = newline < 0 ? '' : this.head.subarray(0, newline).toString('utf8');
    const [magic, version, type] = header.split(' ');
    const invalid = (why: string): PaasError =>
      new PaasError('BACKUP_INVALID', `the file is not a complete paas backup: ${why}`, {
        hint: 'restore a file written by paas backup, complete and unchanged',
      });
    if (magic !== MAGIC || version !== '1' || type === undefined) throw invalid('it does not start with a paas backup header');
    if (type !== expectedType) {
      throw new PaasError('BACKUP_INVALID', `the file is a backup of a ${type} service, not of a ${expectedType} service`, {
        hint: `restore it into a ${type} service`,
      });
    }
    const footer = this.held.toString('utf8');
    const match = /^\nPAAS-BACKUP-END ([0-9a-f]{64}) ([0-9a-f]{16})\n$/.exec(footer);
    if (this.held.length !== FOOTER_BYTES || !match) throw invalid('its end is missing (truncated?)');
    const start = newline + 1;
    const end = this.total - FOOTER_BYTES;
    if (Number.parseInt(match[2]!, 16) !== end - start) throw invalid('its length does not match its footer (truncated?)');
    if (this.hash.digest('hex') !== match[1]) throw invalid('its checksum does not match (corrupt?)');
    return { type, start, end };
  }
}
