import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { BackupHasher, BackupSpool } from '../src/provision/backup-file.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

function backupOf(type: string, dump: Buffer): Buffer {
  const h = new BackupHasher();
  return Buffer.concat([h.header(type, 'db'), h.dump(dump), h.footer()]);
}

/** Spools `file` in chunks of `chunk` bytes, as an upload arrives. */
async function spool(file: Buffer, chunk = 7): Promise<{ spool: BackupSpool; path: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'paas-spool-'));
  dirs.push(dir);
  const path = join(dir, 'backup');
  const s = new BackupSpool(path);
  const parts: Buffer[] = [];
  for (let at = 0; at < file.length; at += chunk) parts.push(file.subarray(at, at + chunk));
  await pipeline(Readable.from(parts), s);
  return { spool: s, path };
}

describe('the backup file: header, dump, footer with a checksum', () => {
  it('a complete file is accepted and its dump range is exactly the dump', async () => {
    const dump = randomBytes(10_000);
    const { spool: s, path } = await spool(backupOf('postgresql', dump), 333);
    const checked = s.check('postgresql');
    expect((await readFile(path)).subarray(checked.start, checked.end).equals(dump)).toBe(true);
  });

  it('an empty dump is a valid backup (an empty redis)', async () => {
    const { spool: s } = await spool(backupOf('redis', Buffer.alloc(0)), 1);
    const checked = s.check('redis');
    expect(checked.end - checked.start).toBe(0);
  });

  it('a flipped byte, a cut end, random bytes and another type are refused with BACKUP_INVALID', async () => {
    const good = backupOf('mysql', randomBytes(5000));
    const flipped = Buffer.from(good);
    flipped[2500] = flipped[2500]! ^ 0xff;
    const cases: [Buffer, string, RegExp][] = [
      [flipped, 'mysql', /checksum does not match/],
      [good.subarray(0, good.length - 40), 'mysql', /end is missing|length does not match/],
      [good.subarray(0, 3000), 'mysql', /end is missing|length does not match/],
      [randomBytes(4096), 'mysql', /does not start with a paas backup header/],
      [good, 'postgresql', /a backup of a mysql service, not of a postgresql service/],
    ];
    for (const [file, type, message] of cases) {
      const { spool: s } = await spool(file, 97);
      let error: { code?: string; message?: string } = {};
      try {
        s.check(type);
      } catch (err) {
        error = err as typeof error;
      }
      expect(error.code).toBe('BACKUP_INVALID');
      expect(error.message).toMatch(message);
    }
  });
});
