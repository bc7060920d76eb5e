import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PYTHON_DEPS_PY } from '../src/assets/python-deps.js';

// The resolver runs in the build image; here it runs under the host's python3
// on the same inputs: requirements, a map in dh-python's format, and the
// versions the mirror would offer.
let dir: string;
const MAP = `Django python3-django
Flask python3-flask
argparse python3 (>= 3.2)
celery python3-celery
gunicorn python3-gunicorn
psycopg2 python3-psycopg2
zope.interface python3-zope.interface
`;
const VERSIONS = {
  'python3-django': '3:3.2.19-1',
  'python3-flask': '2.2.2-3',
  'python3-gunicorn': '20.1.0-6+deb12u1',
  'python3-celery': '5.2.6-5',
  'python3-psycopg2': '2.9.5-1+b1',
  'python3-zope.interface': '5.5.2-1+b1',
  __commands__: { gunicorn: 'gunicorn', celery: 'celery' },
};

interface Run { code: number; stdout: string }
function python(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile('python3', [join(dir, 'python-deps.py'), ...args], { cwd: dir, env: { PATH: process.env.PATH, ...env }, timeout: 20_000 }, (err, stdout) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout });
    });
  });
}

interface Plan { packages: string[]; missing: string[]; warnings: string[]; unsupported: string[][]; index: string | null }
async function plan(requirements: string, extra: string[] = []): Promise<Plan> {
  await writeFile(join(dir, 'requirements.txt'), requirements);
  const r = await python(['plan', '--map', 'map', '--versions', 'versions.json', '-r', 'requirements.txt', ...(extra.length > 0 ? ['--', ...extra] : [])]);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Plan;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'python-deps-'));
  await writeFile(join(dir, 'python-deps.py'), PYTHON_DEPS_PY);
  await writeFile(join(dir, 'map'), MAP);
  await writeFile(join(dir, 'versions.json'), JSON.stringify(VERSIONS));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('python-deps: requirements to Debian packages', () => {
  it('maps names as PEP 503 normalises them, and adds the package holding the command', async () => {
    const result = await plan('FLASK\ngunicorn\n# a comment\n\nZope_Interface\ndjango  # inline comment\n', ['Celery']);
    expect(result).toEqual({
      packages: ['python3-flask', 'python3-gunicorn', 'gunicorn', 'python3-zope.interface', 'python3-django', 'python3-celery', 'celery'],
      missing: [], warnings: [], unsupported: [], index: null,
    });
  });

  it('lists every name with no Debian package, the wheel-only alias psycopg2-binary included', async () => {
    const result = await plan('Flask\npaas-no-such-project\npsycopg2-binary==2.9.5\nAlso_Missing>=1\n');
    expect(result.missing).toEqual(['paas-no-such-project', 'Also_Missing']);
    expect(result.packages).toEqual(['python3-flask', 'python3-psycopg2']);
  });

  it('checks pins against the upstream part of Debian\'s version', async () => {
    const result = await plan([
      'Flask==2.2.2', 'gunicorn>=20,<21', 'Django~=3.2.0', 'celery==5.2.*', 'psycopg2!=2.9.5',
      'zope.interface>=6', 'argparse', '',
    ].join('\n'));
    expect(result.warnings).toEqual([
      'requirements.txt:5: psycopg2!=2.9.5 asked; Debian ships python3-psycopg2 2.9.5',
      'requirements.txt:6: zope.interface>=6 asked; Debian ships python3-zope.interface 5.5.2',
    ]);
    expect((await plan('Flask==3.0.0\n')).warnings).toEqual(['requirements.txt:1: Flask==3.0.0 asked; Debian ships python3-flask 2.2.2']);
    expect((await plan('Django>=4\n')).warnings).toEqual(['requirements.txt:1: Django>=4 asked; Debian ships python3-django 3.2.19']);
  });

  it('sets apart what only pip can do, reads --index-url, and joins continued lines', async () => {
    const result = await plan('-i https://pypi.example/simple\n-e git+https://example.com/x.git#egg=x\n./local-pkg\nFlask \\\n  ==2.2.2\n');
    expect(result.index).toBe('https://pypi.example/simple');
    expect(result.unsupported).toEqual([['requirements.txt:2', '-e'], ['requirements.txt:3', './local-pkg']]);
    expect(result.packages).toEqual(['python3-flask']);
  });
});

describe('python-deps resolve: which route', () => {
  let server: Server;
  let port: number;
  const authorizations: (string | undefined)[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      authorizations.push(req.headers.authorization);
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('an index that answers, even 404, means pip; the URL\'s credentials never reach the output', async () => {
    await writeFile(join(dir, 'requirements.txt'), 'Flask\n');
    const route = join(dir, 'route');
    const r = await python(['resolve', '-r', 'requirements.txt'], { PIP_INDEX_URL: `http://user:s3cret-token@127.0.0.1:${port}/simple/`, PAAS_PYTHON_DEPS_ROUTE: route });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('-----> Python dependencies: the package index at 127.0.0.1 answers; installing with pip\n');
    expect(await readFile(route, 'utf8')).toBe('pip\n');
    // The index was asked with the credentials, as pip will ask it.
    expect(authorizations).toEqual([`Basic ${Buffer.from('user:s3cret-token').toString('base64')}`]);
  });

  it('no index: what only pip can install fails at once, listed, before apt is asked', async () => {
    await writeFile(join(dir, 'requirements.txt'), 'Flask\n-e git+https://example.com/x.git#egg=x\nhttps://example.com/y.whl\n');
    // A port that was just closed refuses the connection: no index.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const r = await python(['resolve', '-r', 'requirements.txt'], { PIP_INDEX_URL: `http://127.0.0.1:${closedPort}/simple/`, PAAS_PYTHON_DEPS_ROUTE: join(dir, 'route2') });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^-----> Python dependencies: no package index answers \(127\.0\.0\.1: .*refused.*\); installing from Debian\n/);
    expect(r.stdout).toContain('these lines need a package index, and none answers:\n       requirements.txt:2: -e\n       requirements.txt:3: https://example.com/y.whl\n');
  });

  it('the pip step does nothing when resolve took the Debian route', async () => {
    const route = join(dir, 'route3');
    await writeFile(route, 'debian\n');
    const r = await python(['pip', '-r', 'requirements.txt'], { PAAS_PYTHON_DEPS_ROUTE: route });
    expect(r).toEqual({ code: 0, stdout: '' });
  });
});
