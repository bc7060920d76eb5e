import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hookCommand, hookScripts, planBuild } from '../src/index.js';
import { nameHookStep } from '../src/hooks.js';
import { RUN_NODE_SH } from '../src/assets/run-node.js';
import { codeService, treeWith } from './helpers/code-service.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempTree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'paas-hooks-'));
  dirs.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text, { mode: 0o644 });
  }
  return dir;
}
const sh = (command: string, cwd: string): string => execFileSync('/bin/sh', ['-c', command], { cwd, encoding: 'utf8' });

describe('hookScripts', () => {
  it('finds the scripts a command list runs, as paths', () => {
    expect(hookScripts('./postinstall.sh')).toEqual(['./postinstall.sh']);
    expect(hookScripts('../postinstall.sh arg; ./bin/migrate && echo ok || ~/fix | ./mysql.pl')).toEqual(['../postinstall.sh', './bin/migrate', '/home/app/fix', './mysql.pl']);
    expect(hookScripts('/home/dotcloud/current/setup.sh')).toEqual(['/home/dotcloud/current/setup.sh']);
  });

  it('leaves programs on PATH, arguments, other absolute paths and shell syntax alone', () => {
    expect(hookScripts('python manage.py migrate ./x')).toEqual([]);
    expect(hookScripts('/usr/bin/env true; cp -r assets/* static/')).toEqual([]);
    expect(hookScripts('./$(whoami).sh')).toEqual([]);
    expect(hookCommand('python manage.py migrate')).toBe('python manage.py migrate');
  });
});

describe('hookCommand runs scripts committed without the executable bit', () => {
  it('through their #! line, or as a shell script when they have none, from the approot or its parent', () => {
    const dir = tempTree({
      'web/setup.js': '#!/usr/bin/env node\nconsole.log("node ran " + process.argv[2]);\n',
      'web/plain': 'echo "sh ran $1"\n',
      'postinstall.sh': '#!/bin/sh\necho "parent ran"\n',
    });
    const web = join(dir, 'web');
    expect(sh(hookCommand('./setup.js one; ./plain two && ../postinstall.sh'), web)).toBe('node ran one\nsh ran two\nparent ran\n');
    expect(statSync(join(web, 'setup.js')).mode & 0o100).toBe(0o100);
  });

  it('keeps the exit status of the command, so a failing hook still fails', () => {
    const dir = tempTree({ 'fail.sh': '#!/bin/sh\necho "no database"\nexit 3\n' });
    let status: number | null = null;
    try {
      execFileSync('/bin/sh', ['-c', hookCommand('./fail.sh')], { cwd: dir, stdio: 'pipe' });
    } catch (err) {
      status = (err as { status: number }).status;
    }
    expect(status).toBe(3);
  });

  it('does not touch a script that is already executable, nor a path that is not a file', () => {
    const dir = tempTree({ 'run.sh': '#!/bin/sh\necho ok\n' });
    chmodSync(join(dir, 'run.sh'), 0o750);
    mkdirSync(join(dir, 'bin'));
    expect(sh(hookCommand('./run.sh; ./bin || true'), dir)).toBe('ok\n');
    expect(statSync(join(dir, 'run.sh')).mode & 0o777).toBe(0o750);
  });
});

describe('hooks in the Dockerfile', () => {
  it('run through hookCommand, and each RUN line is named by its key', () => {
    const service = codeService({ type: 'python', process: 'python3 app.py', prebuild: './prebuild.sh', postbuild: 'python3 manage.py collectstatic' });
    const plan = planBuild(service, { app: 'a1', files: treeWith(), caFile: false });
    const pre = `RUN ["/bin/sh", "-c", ${JSON.stringify(hookCommand('./prebuild.sh'))}]`;
    const post = 'RUN ["/bin/sh", "-c", "python3 manage.py collectstatic"]';
    expect(plan.dockerfile).toContain(`${pre}\n`);
    expect(plan.dockerfile).toContain(`${post}\n`);
    expect(plan.hookSteps).toEqual({ [pre]: 'www.prebuild', [post]: 'www.postbuild' });
  });

  it('a failing hook step is reported under its key', () => {
    const plan = planBuild(codeService({ type: 'static', postbuild: 'exit 4' }), { app: 'a1', files: treeWith(), caFile: false });
    const failure = { step: 'Step 9/10 : RUN ["/bin/sh", "-c", "exit 4"]', message: "The command '/bin/sh -c exit 4' returned a non-zero code: 4", lastLines: ['x'] };
    expect(nameHookStep(failure, plan)).toEqual({ ...failure, step: 'www.postbuild' });
    const other = { ...failure, step: 'Step 3/10 : RUN apt-get update' };
    expect(nameHookStep(other, plan)).toBe(other);
  });
});

describe('supervisord.conf in the approot', () => {
  it('is included by paas\'s supervisord.conf when the spec names no process', () => {
    const plan = planBuild(codeService({ type: 'python', approot: 'web' }), { app: 'a1', files: treeWith('web/supervisord.conf', 'web/requirements.txt'), caFile: false });
    expect(plan.dockerfile).toContain('--no-install-recommends python3 python3-pip supervisor && chown app:app /var/log/supervisor &&');
    expect(plan.dockerfile).toContain('CMD ["supervisord", "-n", "-c", "/home/app/paas/supervisord.conf"]');
    const conf = plan.files['paas/supervisord.conf'] ?? '';
    expect(conf).toMatch(/^\[supervisord\]\nnodaemon=true\n/);
    expect(conf).toMatch(/\n\[include\]\nfiles = \/home\/app\/current\/supervisord.conf\n$/);
    // No default-process files (the WSGI server): supervisord runs what the app's file names.
    expect(Object.keys(plan.files).filter((f) => f.startsWith('paas/'))).toEqual(['paas/supervisord.conf']);
  });

  it('counts for a custom service\'s implicit ~/run, not for a process the spec names', () => {
    const files = treeWith('supervisord.conf', 'builder');
    const custom = planBuild(codeService({ type: 'custom', buildscript: 'builder', process: '~/run' }), { app: 'a1', files, caFile: false });
    expect(custom.dockerfile).toContain('CMD ["supervisord"');
    const named = planBuild(codeService({ type: 'python', process: 'python3 app.py' }), { app: 'a1', files, caFile: false });
    expect(named.dockerfile).toContain('CMD ["/bin/sh", "-c", "exec python3 app.py"]');
    expect(named.dockerfile).not.toContain('supervisor');
    const procs = planBuild(codeService({ type: 'python-worker', processes: { a: 'python3 a.py' } }), { app: 'a1', files, caFile: false });
    expect(procs.files['paas/supervisord.conf']).toContain('[program:a]');
    expect(procs.files['paas/supervisord.conf']).not.toContain('[include]');
  });
});

describe('run-node.sh, the default process of nodejs services', () => {
  // The script as generated, run in a temporary approot with npm replaced by a stub that says what it was asked.
  function runNode(files: Record<string, string>, arg?: string): string {
    const dir = tempTree({ ...files, 'bin/npm': '#!/bin/sh\necho "npm $*"\n' });
    chmodSync(join(dir, 'bin/npm'), 0o755);
    const script = RUN_NODE_SH.replace(/^cd .*$/m, `cd ${dir}`).replace(/node --expose-internals \/home\/app\/paas\/node-cluster\.js/, 'echo cluster');
    expect(script).not.toBe(RUN_NODE_SH);
    try {
      return execFileSync('/bin/sh', ['-c', script, 'run-node.sh', ...(arg === undefined ? [] : [arg])], { env: { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}` }, encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      return `failed: ${(err as { stderr: string }).stderr}`;
    }
  }

  it('runs node server.js first, as dotCloud did, even with a start script', () => {
    expect(runNode({ 'server.js': 'console.log("server.js")', 'package.json': '{"scripts":{"start":"node app.js"}}' })).toBe('server.js\n');
  });

  it('then npm start, then index.js', () => {
    expect(runNode({ 'index.js': 'console.log("index.js")', 'package.json': '{"scripts":{"start":"node app.js"}}' })).toBe('npm start\n');
    expect(runNode({ 'index.js': 'console.log("index.js")', 'package.json': '{"name":"x"}' })).toBe('index.js\n');
    expect(runNode({ 'package.json': '{}' })).toMatch(/^failed: paas: no server\.js, no start script in package\.json and no index\.js in /);
  });

  it('with --cluster (a web service), server.js and index.js run in the cluster; npm start runs as the app says', () => {
    expect(runNode({ 'server.js': 'console.log("server.js")' }, '--cluster')).toBe('cluster server.js\n');
    expect(runNode({ 'index.js': 'console.log("index.js")' }, '--cluster')).toBe('cluster index.js\n');
    expect(runNode({ 'index.js': '', 'package.json': '{"scripts":{"start":"node app.js"}}' }, '--cluster')).toBe('npm start\n');
  });
});
