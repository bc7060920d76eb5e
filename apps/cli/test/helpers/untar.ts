import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';

export interface TarEntry {
  name: string;
  type: string;
  mode: number;
  linkname?: string;
  content?: string;
}

/** Reads a tar.gz stream back into a list of entries with their contents. */
export async function untar(source: Readable): Promise<TarEntry[]> {
  const extract = tar.extract();
  source.pipe(createGunzip()).pipe(extract);
  const entries: TarEntry[] = [];
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    const h = entry.header;
    const e: TarEntry = { name: h.name, type: h.type, mode: h.mode };
    if (h.type === 'symlink') e.linkname = h.linkname;
    if (h.type === 'file') e.content = Buffer.concat(chunks).toString('utf8');
    entries.push(e);
  }
  return entries;
}

export function untarFile(file: string): Promise<TarEntry[]> {
  return untar(createReadStream(file));
}
