import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { maskSecret } from '../src/data-services.js';
import { main } from '../src/program.js';
import { Capture } from './helpers/capture.js';
import { dbService, fakeDataApi } from './helpers/fake-data-api.js';
import { runCli } from './helpers/run-cli.js';
import { tempDir } from './helpers/temp.js';

async function env(api: string): Promise<Record<string, string>> {
  return { PAAS_HOME: await tempDir(), PAAS_API_URL: api, PAAS_TOKEN: 'good', NO_COLOR: '1' };
}

async function linkedDir(app: string): Promise<string> {
  const dir = await tempDir();
  await mkdir(join(dir, '.paas'));
  await writeFile(join(dir, '.paas', 'app.json'), JSON.stringify({ app }));
  return dir;
}

const calls = (seen: { method: string; url: string }[]): string[] => seen.map((s) => `${s.method} ${s.url}`);

/** The real program in this process, with a terminal on stdin that answers `typed`. */
async function atTerminal(args: string[], api: string, typed: string, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdin = Object.assign(new PassThrough(), { isTTY: true });
  stdin.end(`${typed}\n`);
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(['node', 'paas', ...args], { stdout, stderr, stdin, env: await env(api), cwd });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('paas info with data services', () => {
  it('the app view lists the data services with the password masked', async () => {
    const api = await fakeDataApi();
    const r = await runCli(['info', '-a', 'blog'], { env: await env(api.url) });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('=== Data services\n');
    expect(r.stdout).toMatch(/^NAME +TYPE +STATUS +ADDRESS +LOGIN +URL$/m);
    expect(r.stdout).toMatch(/^db +postgresql +running +db:5432 +paas +postgresql:\/\/paas:\*{8}@db:5432\/blog$/m);
    expect(r.stdout).not.toContain('s3cr3t');
    expect(calls(api.seen).sort()).toEqual(['GET /v1/apps/blog', 'GET /v1/apps/blog/services']);
  });

  it('info SERVICE shows one data service, masked, with the variables the instances get', async () => {
    const api = await fakeDataApi();
    const r = await runCli(['info', 'db', '-a', 'blog'], { env: await env(api.url) });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        '=== db (postgresql) of blog',
        'Type:      postgresql',
        'Status:    running',
        'Host:      db',
        'Port:      5432',
        'Login:     paas',
        'Password:  ********',
        'Database:  blog',
        'URL:       postgresql://paas:********@db:5432/blog',
        'Created:   2026-11-29T10:00:00.000Z',
        '',
        '=== Environment of the instances',
        'DATABASE_URL=postgresql://paas:********@db:5432/blog',
        'DB_HOST=db',
        'DB_PASSWORD=********',
        '',
      ].join('\n'),
    );
    expect(r.stderr).toContain('--show-secrets');
    expect(calls(api.seen)).toEqual(['GET /v1/apps/blog/services/db']);
  });

  it('--show-secrets asks the API for them and shows them', async () => {
    const api = await fakeDataApi();
    const dir = await linkedDir('blog');
    const r = await runCli(['info', 'db', '--show-secrets'], { cwd: dir, env: await env(api.url) });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Password: +s3cr3t-pw$/m);
    expect(r.stdout).toContain('DB_PASSWORD=s3cr3t-pw\n');
    expect(calls(api.seen)).toEqual(['GET /v1/apps/blog/services/db?secrets=1']);
    const list = await runCli(['info', '--show-secrets'], { cwd: dir, env: await env(api.url) });
    expect(list.stdout).toContain('postgresql://paas:s3cr3t-pw@db:5432/blog');
    expect(calls(api.seen)).toContain('GET /v1/apps/blog/services?secrets=1');
  });

  it('--json prints the API answer', async () => {
    const api = await fakeDataApi();
    const one = await runCli(['info', 'db', '-a', 'blog', '--json'], { env: await env(api.url) });
    expect(JSON.parse(one.stdout)).toEqual(dbService(false));
    const secret = await runCli(['info', 'db', '-a', 'blog', '--json', '--show-secrets'], { env: await env(api.url) });
    expect(JSON.parse(secret.stdout)).toEqual(dbService(true));
    const app = await runCli(['info', '-a', 'blog', '--json'], { env: await env(api.url) });
    expect(JSON.parse(app.stdout)).toMatchObject({ name: 'blog' });
  });

  it('a SERVICE the app has no data service of is the API error (exit 4)', async () => {
    const api = await fakeDataApi();
    const r = await runCli(['info', 'www', '-a', 'blog'], { env: await env(api.url) });
    expect(r.code).toBe(4);
    expect(r.stderr).toBe(' !     blog has no data service named www\n       hint: paas info lists the data services\n');
  });

  it('masks a password the API left in clear text', () => {
    expect(maskSecret('postgresql://paas:pw123@db/blog', 'pw123', false)).toBe('postgresql://paas:********@db/blog');
    expect(maskSecret('postgresql://paas:pw123@db/blog', 'pw123', true)).toBe('postgresql://paas:pw123@db/blog');
  });
});

describe('paas destroy NAME: a data service or an app', () => {
  it('in a linked directory, NAME is a data service of the linked app when it has one', async () => {
    const api = await fakeDataApi();
    const dir = await linkedDir('blog');
    const r = await runCli(['destroy', 'db', '--yes'], { cwd: dir, env: await env(api.url) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('-----> Destroyed db (postgresql) of blog\n');
    expect(calls(api.seen)).toEqual(['GET /v1/apps/blog/services/db', 'DELETE /v1/apps/blog/services/db']);
  });

  it('in a linked directory, NAME is an app when the linked app has no such data service', async () => {
    const api = await fakeDataApi({ apps: ['blog', 'other'] });
    const dir = await linkedDir('blog');
    const r = await runCli(['destroy', 'other', '--yes'], { cwd: dir, env: await env(api.url) });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('-----> Destroyed other\n');
    expect(calls(api.seen)).toEqual(['GET /v1/apps/blog/services/other', 'DELETE /v1/apps/other']);
  });

  it('without a link, NAME is an app as before', async () => {
    const api = await fakeDataApi();
    const r = await runCli(['destroy', 'blog', '--yes'], { cwd: await tempDir(), env: await env(api.url) });
    expect(r.code).toBe(0);
    expect(calls(api.seen)).toEqual(['DELETE /v1/apps/blog']);
  });

  it('with -a APP, NAME must be a data service of APP: otherwise SERVICE_NOT_FOUND, exit 4, nothing deleted', async () => {
    const api = await fakeDataApi({ apps: ['blog', 'other'] });
    const r = await runCli(['destroy', 'other', '-a', 'blog', '--yes'], { cwd: await tempDir(), env: await env(api.url) });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(' !     blog has no data service named other\n');
    expect(calls(api.seen)).toEqual(['GET /v1/apps/blog/services/other']);
    const ok = await runCli(['destroy', 'db', '-a', 'blog', '--yes'], { cwd: await tempDir(), env: await env(api.url) });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('-----> Destroyed db (postgresql) of blog\n');
  });

  it('never destroys a data service without confirmation off a TTY', async () => {
    const api = await fakeDataApi();
    const r = await runCli(['destroy', 'db', '-a', 'blog'], { cwd: await tempDir(), env: await env(api.url), input: 'db\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(' !     refusing to destroy db (postgresql) of blog without confirmation\n       hint: pass --yes to go ahead without asking: paas destroy db -a blog --yes\n');
    expect(calls(api.seen)).toEqual(['GET /v1/apps/blog/services/db']);
  });

  it('on a terminal, says what is lost and asks for the service name', async () => {
    const api = await fakeDataApi();
    const dir = await linkedDir('blog');
    const wrong = await atTerminal(['destroy', 'db'], api.url, 'blog', dir);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('This deletes the data service db (postgresql) of blog: its container, its volume with all its data, and its credentials.');
    expect(wrong.stderr).toContain('blog keeps running but loses its connection to db.');
    expect(wrong.stderr).toContain('confirmation did not match "db": nothing was destroyed');
    expect(calls(api.seen)).toEqual(['GET /v1/apps/blog/services/db']);
    const right = await atTerminal(['destroy', 'db'], api.url, 'db', dir);
    expect(right.code).toBe(0);
    expect(right.stdout).toBe('-----> Destroyed db (postgresql) of blog\n');
    expect(calls(api.seen).at(-1)).toBe('DELETE /v1/apps/blog/services/db');
  });
});
