import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import tar from 'tar-stream';
import { listTree, packContext } from '../src/build-context.js';

let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'paas-builders-ctx-')); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

async function unpack(stream: NodeJS.ReadableStream | AsyncIterable<unknown>): Promise<Map<string, { type: string; mode: number; uid: number; body: string; linkname: string | null }>> {
  const extract = tar.extract();
  const out = new Map<string, { type: string; mode: number; uid: number; body: string; linkname: string | null }>();
  const done = (async () => {
    for await (const entry of extract) {
      let body = '';
      for await (const chunk of entry) body += (chunk as Buffer).toString();
      out.set(entry.header.name, { type: entry.header.type, mode: entry.header.mode, uid: entry.header.uid, body, linkname: entry.header.linkname ?? null });
    }
  })();
  for await (const chunk of stream as AsyncIterable<Buffer>) extract.write(chunk);
  extract.end(undefined);
  await done;
  return out;
}

describe('build context', () => {
  it('packs generated files and the tree under code/, keeping links as links', async () => {
    await mkdir(join(dir, 'web'));
    await writeFile(join(dir, 'web', 'app.py'), 'print(1)\n', { mode: 0o644 });
    await writeFile(join(dir, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    await symlink('web/app.py', join(dir, 'link.py'));
    const tree = await listTree(dir);
    expect(tree.map((e) => `${e.kind} ${e.rel}`)).toEqual(['symlink link.py', 'file run.sh', 'directory web', 'file web/app.py']);

    const { stream, done } = packContext({ tree, prefix: 'code', generated: { Dockerfile: 'FROM x\n', 'paas/run-static.sh': '#!/bin/sh\n' } });
    const [entries] = await Promise.all([unpack(stream), done]);
    expect([...entries.keys()]).toEqual(['Dockerfile', 'paas/run-static.sh', 'code', 'code/link.py', 'code/run.sh', 'code/web', 'code/web/app.py']);
    expect(entries.get('Dockerfile')?.body).toBe('FROM x\n');
    expect(entries.get('paas/run-static.sh')?.mode).toBe(0o755);
    expect(entries.get('code/run.sh')?.mode).toBe(0o755);
    expect(entries.get('code/web/app.py')).toMatchObject({ body: 'print(1)\n', uid: 0 });
    expect(entries.get('code/link.py')).toMatchObject({ type: 'symlink', linkname: 'web/app.py' });
  });

  it('refuses a link that leaves the tree, without following it', async () => {
    await symlink('/etc/passwd', join(dir, 'abs'));
    await expect(listTree(dir)).rejects.toMatchObject({ code: 'UPLOAD_UNSAFE_PATH' });
    await rm(join(dir, 'abs'));
    await mkdir(join(dir, 'sub'));
    await symlink('../../outside', join(dir, 'sub', 'up'));
    await expect(listTree(dir)).rejects.toMatchObject({ code: 'UPLOAD_UNSAFE_PATH' });
  });
});
