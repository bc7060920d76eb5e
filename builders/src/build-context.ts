import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { once } from 'node:events';
import { join, posix } from 'node:path';
import { PaasError } from '@paas/core';
import tar, { type Header, type Pack } from 'tar-stream';

type Headers = Partial<Header> & Pick<Header, 'name'>;

export interface TreeEntry {
  /** POSIX path relative to the tree root. */
  rel: string;
  abs: string;
  kind: 'file' | 'directory' | 'symlink';
  mode: number;
  size: number;
  mtime: Date;
  linkname?: string;
}

/**
 * Lists a pushed tree without following any link. Links whose target leaves
 * the tree and anything that is not a file, directory or link are refused
 * (the API validated the upload; this keeps the builder safe on its own).
 */
export async function listTree(root: string): Promise<TreeEntry[]> {
  const entries: TreeEntry[] = [];
  async function walk(dirAbs: string, dirRel: string): Promise<void> {
    const names = (await readdir(dirAbs)).sort();
    for (const name of names) {
      const abs = join(dirAbs, name);
      const rel = dirRel === '' ? name : `${dirRel}/${name}`;
      const st = await lstat(abs);
      const base = { rel, abs, mode: st.mode & 0o777, size: st.size, mtime: st.mtime };
      if (st.isSymbolicLink()) {
        const linkname = await readlink(abs);
        const target = posix.normalize(posix.join(posix.dirname(rel), linkname));
        if (linkname.startsWith('/') || target === '..' || target.startsWith('../')) {
          throw new PaasError('UPLOAD_UNSAFE_PATH', `${rel}: link to ${linkname} leaves the pushed tree`);
        }
        entries.push({ ...base, kind: 'symlink', size: 0, linkname });
      } else if (st.isDirectory()) {
        entries.push({ ...base, kind: 'directory', size: 0 });
        await walk(abs, rel);
      } else if (st.isFile()) {
        entries.push({ ...base, kind: 'file' });
      } else {
        throw new PaasError('UPLOAD_UNSUPPORTED_ENTRY', `${rel}: not a file, directory or link`);
      }
    }
  }
  await walk(root, '');
  return entries;
}

export interface ContextSource {
  /** Tree entries, placed under `prefix` ('' for the context root). */
  tree: TreeEntry[];
  prefix: string;
  /** Generated files by context path; `*.sh` files are executable. */
  generated: Record<string, string>;
}

/**
 * Streams a build context as an uncompressed tar. Owners are zeroed so the
 * context's checksum (and the engine's COPY cache) depends on content, not on
 * who extracted the upload.
 */
export function packContext(source: ContextSource): { stream: Pack; done: Promise<void> } {
  const pack = tar.pack();
  const done = (async () => {
    for (const [name, content] of Object.entries(source.generated)) {
      await addEntry(pack, { name, mode: name.endsWith('.sh') ? 0o755 : 0o644, mtime: new Date(0) }, Buffer.from(content));
    }
    if (source.prefix !== '') await addEntry(pack, { name: source.prefix, type: 'directory', mode: 0o755, mtime: new Date(0) });
    for (const entry of source.tree) {
      const name = source.prefix === '' ? entry.rel : `${source.prefix}/${entry.rel}`;
      const header = { name, mode: entry.mode, mtime: entry.mtime, uid: 0, gid: 0 };
      if (entry.kind === 'directory') await addEntry(pack, { ...header, type: 'directory' });
      else if (entry.kind === 'symlink') await addEntry(pack, { ...header, type: 'symlink', linkname: entry.linkname ?? '' });
      else await addFile(pack, { ...header, type: 'file', size: entry.size }, entry.abs);
    }
    pack.finalize();
  })();
  done.catch((err: unknown) => pack.destroy(err instanceof Error ? err : new Error(String(err))));
  return { stream: pack, done };
}

function addEntry(pack: Pack, header: Headers, content?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const cb = (err?: Error | null) => (err ? reject(err) : resolve());
    if (content === undefined) pack.entry(header, cb);
    else pack.entry(header, content, cb);
  });
}

async function addFile(pack: Pack, header: Headers, abs: string): Promise<void> {
  let sink!: ReturnType<Pack['entry']>;
  const finished = new Promise<void>((resolve, reject) => {
    sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
  });
  // Written by hand with backpressure: the sink is a streamx stream, not a Node
  // one. A closed pack (the engine hung up) ends the wait instead of hanging it.
  const emitter = sink as unknown as NodeJS.EventEmitter;
  const closed = once(pack as unknown as NodeJS.EventEmitter, 'close');
  for await (const chunk of createReadStream(abs)) {
    if (!sink.write(chunk as Buffer)) await Promise.race([once(emitter, 'drain'), closed]);
    if (pack.destroyed) throw new Error('build context stream closed');
  }
  sink.end(undefined);
  await finished;
}
