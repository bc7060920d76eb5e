import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sendJson } from './helpers/http-server.js';
import { fakeDataApi } from './helpers/fake-data-api.js';
import { runCli } from './helpers/run-cli.js';
import { tempDir } from './helpers/temp.js';

async function env(api: string): Promise<Record<string, string>> {
  return { PAAS_HOME: await tempDir(), PAAS_API_URL: api, PAAS_TOKEN: 'good', NO_COLOR: '1' };
}

async function backupFile(bytes: Buffer): Promise<string> {
  const dir = await tempDir();
  await writeFile(join(dir, 'db.paasbak'), bytes);
  return dir;
}

describe('paas restore against a fake API', () => {
  it('uploads the exact bytes with their length, then says what was restored', async () => {
    const payload = randomBytes(3 * 1024 * 1024 + 17);
    const api = await fakeDataApi();
    const dir = await backupFile(payload);
    const r = await runCli(['restore', 'db', 'db.paasbak', '-a', 'blog', '--yes'], { cwd: dir, env: await env(api.url) });
    expect(r.code).toBe(0);
    const upload = api.seen.find((s) => s.method === 'POST');
    expect(upload?.url).toBe('/v1/apps/blog/services/db/restore');
    expect(upload?.headers['content-type']).toBe('application/octet-stream');
    expect(upload?.headers['content-length']).toBe(String(payload.length));
    expect(upload?.body?.equals(payload)).toBe(true);
    expect(r.stdout).toBe('-----> Restoring db (postgresql) of blog from db.paasbak (3.0 MB)\n-----> Restored db (postgresql) of blog from db.paasbak (3.0 MB)\n');
    // Off a TTY the progress bar is one final line.
    expect(r.stderr).toMatch(/^ {7}Uploaded 3\.0 MB\n/);
  });

  it('refuses without --yes off a TTY, before uploading anything', async () => {
    const api = await fakeDataApi();
    const dir = await backupFile(Buffer.from('dump'));
    const r = await runCli(['restore', 'db', 'db.paasbak', '-a', 'blog'], { cwd: dir, env: await env(api.url), input: 'db\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(' !     refusing to restore db (postgresql) of blog without confirmation\n       hint: pass --yes to go ahead without asking: paas restore db db.paasbak -a blog --yes\n');
    expect(api.seen.map((s) => s.method)).toEqual(['GET']);
  });

  it('a missing file or a directory is a usage error before any request', async () => {
    const api = await fakeDataApi();
    const dir = await tempDir();
    await mkdir(join(dir, 'backups'));
    const missing = await runCli(['restore', 'db', 'nope.paasbak', '-a', 'blog', '--yes'], { cwd: dir, env: await env(api.url) });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(' !     nope.paasbak: no such file\n       hint: pass a file written by paas backup SERVICE\n');
    const folder = await runCli(['restore', 'db', 'backups', '-a', 'blog', '--yes'], { cwd: dir, env: await env(api.url) });
    expect(folder.code).toBe(2);
    expect(folder.stderr).toContain(' !     backups is not a regular file\n');
    expect(api.seen).toEqual([]);
  });

  it('a refused backup is loud and exits with the code of its error', async () => {
    const api = await fakeDataApi({
      restore: (_body, res) => sendJson(res, 400, { code: 'BACKUP_INVALID', message: 'db.paasbak is not a postgresql backup', hint: 'restore a file written by paas backup db' }),
    });
    const dir = await backupFile(Buffer.from('not a dump'));
    const r = await runCli(['restore', 'db', 'db.paasbak', '-a', 'blog', '--yes'], { cwd: dir, env: await env(api.url) });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(' !     db.paasbak is not a postgresql backup\n       hint: restore a file written by paas backup db\n');
    expect(r.stdout).not.toContain('Restored');
  });

  it('a restore that fails on the server is RESTORE_FAILED (exit 7)', async () => {
    const api = await fakeDataApi({ restore: (_body, res) => sendJson(res, 422, { code: 'RESTORE_FAILED', message: 'psql exited with status 3' }) });
    const dir = await backupFile(Buffer.from('dump'));
    const r = await runCli(['restore', 'db', 'db.paasbak', '-a', 'blog', '--yes'], { cwd: dir, env: await env(api.url) });
    expect(r.code).toBe(7);
    expect(r.stderr).toContain(' !     psql exited with status 3\n');
  });

  it('an unknown service is SERVICE_NOT_FOUND (exit 4), nothing uploaded', async () => {
    const api = await fakeDataApi();
    const dir = await backupFile(Buffer.from('dump'));
    const r = await runCli(['restore', 'cache', 'db.paasbak', '-a', 'blog', '--yes'], { cwd: dir, env: await env(api.url) });
    expect(r.code).toBe(4);
    expect(api.seen.map((s) => s.method)).toEqual(['GET']);
  });
});
