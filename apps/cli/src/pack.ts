import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import ignore, { type Ignore } from 'ignore';
import tar, { type Header } from 'tar-stream';

/** Never uploaded: the repository itself and the CLI's own link. */
const ALWAYS_EXCLUDED = ['.git/', '.paas/'];
/** Root ignore files; gitignore syntax in both. */
const IGNORE_FILES = ['.gitignore', '.paasignore'];

export interface PackEntry {
  /** POSIX path relative to the packed directory. */
  name: string;
  type: 'file' | 'directory' | 'symlink';
  mode: number;
  size: number;
  linkname?: string;
  mtime: Date;
}

export interface PackResult {
  entries: PackEntry[];
  /** Entries left out because tar cannot carry them (sockets, FIFOs, devices). */
  skipped: string[];
  /** Bytes of file content before compression. */
  contentBytes: number;
}

async function readIgnoreRules(dir: string): Promise<Ignore> {
  const rules = ignore().add(ALWAYS_EXCLUDED);
  for (const name of IGNORE_FILES) {
    try {
      rules.add(await readFile(join(dir, name), 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return rules;
}

/** Lists what would be packed, sorted, without reading file contents. */
export async function listEntries(dir: string): Promise<{ entries: PackEntry[]; skipped: string[] }> {
  const rules = await readIgnoreRules(dir);
  const entries: PackEntry[] = [];
  const skipped: string[] = [];

  async function walk(rel: string): Promise<void> {
    const names = (await readdir(rel === '' ? dir : join(dir, rel))).sort();
    for (const name of names) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const st = await lstat(join(dir, path));
      // ignore() wants a trailing slash to match directory-only rules such as `build/`.
      if (rules.ignores(st.isDirectory() ? `${path}/` : path)) continue;
      const base = { name: path, mode: st.mode & 0o7777, mtime: st.mtime };
      if (st.isSymbolicLink()) {
        // Kept as a link: the API checks that it stays inside the tree.
        entries.push({ ...base, type: 'symlink', size: 0, linkname: await readlink(join(dir, path)) });
      } else if (st.isDirectory()) {
        entries.push({ ...base, type: 'directory', size: 0 });
        await walk(path);
      } else if (st.isFile()) {
        entries.push({ ...base, type: 'file', size: st.size });
      } else {
        skipped.push(path);
      }
    }
  }

  await walk('');
  return { entries, skipped };
}

/** Writes DIR as a gzipped tar to `out`, honouring .gitignore and .paasignore at its root. */
export async function packDirectory(dir: string, out: Writable): Promise<PackResult> {
  const { entries, skipped } = await listEntries(dir);
  const pack = tar.pack();
  const gzip = createGzip();
  pack.on('error', (err: Error) => gzip.destroy(err));
  // tar-stream's streams are streamx, not node streams: pipe() bridges them.
  pack.pipe(gzip);
  const done = pipeline(gzip, out);
  let contentBytes = 0;
  try {
    for (const entry of entries) {
      const header: Partial<Header> & { name: string } = { name: entry.name, type: entry.type, mode: entry.mode, mtime: entry.mtime, uid: 0, gid: 0 };
      if (entry.type === 'symlink') {
        header.linkname = entry.linkname ?? '';
        pack.entry(header);
      } else if (entry.type === 'directory') {
        // GNU tar's convention: directory names end with a slash.
        header.name = `${entry.name}/`;
        pack.entry(header);
      } else {
        header.size = entry.size;
        await new Promise<void>((resolve, reject) => {
          const sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
          const source = createReadStream(join(dir, entry.name));
          source.on('error', reject);
          source.pipe(sink);
        });
        contentBytes += entry.size;
      }
    }
    pack.finalize();
  } catch (err) {
    pack.destroy(err as Error);
  }
  await done;
  return { entries, skipped, contentBytes };
}
