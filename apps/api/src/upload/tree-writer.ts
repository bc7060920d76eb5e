/**
 * Writes validated entries under the upload root without ever following a
 * link the archive itself created. The root is new and empty, so a map of what
 * we wrote is the whole truth about the tree: an entry whose parent is a
 * symlink we made is refused outright, and each parent directory's realpath is
 * checked once as a second guard (case-insensitive file systems, surprises).
 */
import { constants } from 'node:fs';
import { chmod, link, mkdir, open, realpath, symlink, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { PaasError } from '@paas/core';
import { invalid, unsafe } from './entry-rules.js';

type Written = 'dir' | 'file' | 'symlink';

// O_EXCL: never reuse an existing file; O_NOFOLLOW: never open through a link.
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
const IMPLICIT_DIR_MODE = 0o755;

export class TreeWriter {
  private readonly written = new Map<string, Written>();
  /** Directories whose realpath has been checked; they can never be replaced later. */
  private readonly verified = new Set<string>(['']);

  constructor(private readonly root: string) {}

  async mkdir(segs: string[], mode: number, shown: string): Promise<void> {
    const abs = await this.prepare(segs, 'dir', shown);
    await fsStep(shown, async () => {
      if (this.written.get(key(segs)) !== 'dir') {
        await mkdir(abs, { mode: 0o700 });
        this.written.set(key(segs), 'dir');
      }
      await chmod(abs, mode); // exact bits, whatever the umask
    });
  }

  /** Streams `data` into a new file; returns the bytes written. */
  async writeFile(segs: string[], data: AsyncIterable<unknown>, mode: number, shown: string): Promise<number> {
    const abs = await this.prepare(segs, 'file', shown);
    return fsStep(shown, async () => {
      const fh = await open(abs, CREATE_FLAGS, 0o600);
      this.written.set(key(segs), 'file');
      let bytes = 0;
      try {
        for await (const chunk of data) {
          if (!(chunk instanceof Uint8Array)) throw new TypeError('tar entry data must be bytes');
          await fh.write(chunk);
          bytes += chunk.byteLength;
        }
        await fh.chmod(mode);
      } finally {
        await fh.close();
      }
      return bytes;
    });
  }

  async symlink(segs: string[], target: string, shown: string): Promise<void> {
    const abs = await this.prepare(segs, 'symlink', shown);
    await fsStep(shown, async () => {
      await symlink(target, abs);
      this.written.set(key(segs), 'symlink');
    });
  }

  /** Hardlinks may only name a regular file written earlier by this archive. */
  async hardlink(segs: string[], targetSegs: string[], shown: string, shownTarget: string): Promise<void> {
    if (this.written.get(key(targetSegs)) !== 'file') {
      throw unsafe(`hardlink ${shown} -> ${shownTarget}: the target must be a regular file earlier in the upload`);
    }
    if (key(targetSegs) === key(segs)) throw unsafe(`hardlink ${shown} links to itself`);
    const abs = await this.prepare(segs, 'file', shown);
    await fsStep(shown, async () => {
      await link(join(this.root, ...targetSegs), abs);
      this.written.set(key(segs), 'file');
    });
  }

  /** Makes the parent directories and clears the way for the new entry; returns its absolute path. */
  private async prepare(segs: string[], kind: Written, shown: string): Promise<string> {
    const parent = segs.slice(0, -1);
    for (let i = 1; i <= parent.length; i++) {
      const prefix = parent.slice(0, i);
      const existing = this.written.get(key(prefix));
      if (existing === 'symlink') {
        throw unsafe(`entry ${shown} is under the symlink ${JSON.stringify(key(prefix))}; writing through links is not allowed`);
      }
      if (existing === 'file') throw invalid(`entry ${shown} is under ${JSON.stringify(key(prefix))}, which is a file`);
      if (existing === undefined) {
        await fsStep(shown, async () => {
          await mkdir(join(this.root, ...prefix), { mode: IMPLICIT_DIR_MODE });
          this.written.set(key(prefix), 'dir');
          await chmod(join(this.root, ...prefix), IMPLICIT_DIR_MODE);
        });
      }
    }
    await this.verifyDir(parent, shown);

    const abs = join(this.root, ...segs);
    const existing = this.written.get(key(segs));
    if (existing === 'dir') {
      if (kind !== 'dir') throw invalid(`entry ${shown} would replace a directory`);
    } else if (existing !== undefined) {
      // A later entry wins, as in tar; unlink first so we never write into the old inode or through an old link.
      await fsStep(shown, () => unlink(abs));
      this.written.delete(key(segs));
    }
    return abs;
  }

  private async verifyDir(segs: string[], shown: string): Promise<void> {
    const k = key(segs);
    if (this.verified.has(k)) return;
    const expected = join(this.root, ...segs);
    const real = await fsStep(shown, () => realpath(expected));
    if (real !== expected) throw unsafe(`entry ${shown}: its directory resolves outside the expected place`);
    this.verified.add(k);
  }
}

function key(segs: string[]): string {
  return segs.join('/');
}

/** Runs one file-system step, turning errno failures into catalogue errors that name the entry. */
async function fsStep<T>(shown: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof PaasError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    switch (code) {
      case 'EEXIST': // e.g. two names that differ only in case on a case-insensitive disk
        throw invalid(`entry ${shown} collides with an entry already written`);
      case 'ELOOP':
      case 'ENOTDIR':
        throw unsafe(`entry ${shown} would be written through a link or a file`);
      case 'ENAMETOOLONG':
        throw invalid(`entry ${shown}: the path is too long`);
      case 'ENOSPC':
      case 'EDQUOT':
        throw new PaasError('DISK_FULL', `no space left on the device while writing entry ${shown}`, {
          hint: "the server's disk that holds uploads (under PAAS_HOME) is full: free space there, then push again",
          cause: err,
        });
      default:
        throw new PaasError('INTERNAL', `could not write entry ${shown}: ${(err as Error).message}`, { cause: err });
    }
  }
}
