import { createWriteStream } from 'node:fs';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packDirectory } from '../src/pack.js';
import { tempDir } from './helpers/temp.js';
import { untarFile } from './helpers/untar.js';

async function write(root: string, path: string, content = path): Promise<void> {
  await mkdir(join(root, path, '..'), { recursive: true });
  await writeFile(join(root, path), content);
}

describe('packDirectory', () => {
  it('honours .gitignore and .paasignore, leaves out .git and .paas, keeps symlinks and modes', async () => {
    const app = await tempDir();
    await write(app, '.gitignore', 'node_modules/\n*.log\n!keep.log\nbuild\n');
    await write(app, '.paasignore', 'secrets/\ndocs/*.md\n');
    await write(app, 'paas.yml', 'www:\n  type: static\n');
    await write(app, 'app.py', 'print("hi")\n');
    await write(app, 'debug.log');
    await write(app, 'keep.log');
    await write(app, 'node_modules/x/index.js');
    await write(app, 'build/out.js');
    await write(app, 'secrets/key.pem');
    await write(app, 'docs/readme.md');
    await write(app, 'docs/diagram.svg');
    await write(app, 'src/lib/util.py');
    await write(app, 'src/lib/nested.log');
    await write(app, '.git/HEAD', 'ref: refs/heads/main\n');
    await write(app, '.paas/app.json', '{"app":"blog"}\n');
    await write(app, 'bin/run', '#!/bin/sh\necho run\n');
    await chmod(join(app, 'bin/run'), 0o755);
    await chmod(join(app, 'app.py'), 0o600);
    await symlink('src', join(app, 'current'));
    await symlink('../app.py', join(app, 'bin/app-link'));
    // A dangling link is still a link: the API decides whether it is acceptable.
    await symlink('missing', join(app, 'dangling'));

    const archive = join(await tempDir(), 'app.tar.gz');
    const result = await packDirectory(app, createWriteStream(archive));
    const entries = await untarFile(archive);

    expect(entries.map((e) => [e.name, e.type, e.linkname ?? ''])).toEqual([
      ['.gitignore', 'file', ''],
      ['.paasignore', 'file', ''],
      ['app.py', 'file', ''],
      ['bin/', 'directory', ''],
      ['bin/app-link', 'symlink', '../app.py'],
      ['bin/run', 'file', ''],
      ['current', 'symlink', 'src'],
      ['dangling', 'symlink', 'missing'],
      ['docs/', 'directory', ''],
      ['docs/diagram.svg', 'file', ''],
      ['keep.log', 'file', ''],
      ['paas.yml', 'file', ''],
      ['src/', 'directory', ''],
      ['src/lib/', 'directory', ''],
      ['src/lib/util.py', 'file', ''],
    ]);
    const byName = new Map(entries.map((e) => [e.name, e]));
    expect(byName.get('bin/run')?.mode).toBe(0o755);
    expect(byName.get('app.py')?.mode).toBe(0o600);
    expect(byName.get('bin/run')?.content).toBe('#!/bin/sh\necho run\n');
    expect(byName.get('paas.yml')?.content).toBe('www:\n  type: static\n');
    expect(result.entries).toHaveLength(15);
    expect(result.skipped).toEqual([]);
  });

  it('packs a directory without ignore files completely, except .git', async () => {
    const app = await tempDir();
    await write(app, 'a.txt', 'a');
    await write(app, 'deep/er/b.txt', 'bb');
    await write(app, '.git/config');
    const archive = join(await tempDir(), 'app.tar.gz');
    const result = await packDirectory(app, createWriteStream(archive));
    const entries = await untarFile(archive);
    expect(entries.map((e) => e.name)).toEqual(['a.txt', 'deep/', 'deep/er/', 'deep/er/b.txt']);
    expect(result.contentBytes).toBe(3);
  });
});
