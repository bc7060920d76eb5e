import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.js';
import { Output } from '../src/output.js';
import { buildProgram, main } from '../src/program.js';
import { Capture } from './helpers/capture.js';
import { tempDir } from './helpers/temp.js';

async function run(args: string[], env: Record<string, string>, tty: boolean): Promise<{ code: number; stderr: string }> {
  const stdout = new Capture(tty);
  const stderr = new Capture(tty);
  const cwd = await tempDir();
  const code = await main(['node', 'paas', ...args], { stdout, stderr, stdin: process.stdin, env: { PAAS_HOME: cwd, ...env }, cwd });
  return { code, stderr: stderr.text };
}

function allCommands(cmd: Command): Command[] {
  return [cmd, ...cmd.commands.flatMap(allCommands)];
}

describe('the top-level catch', () => {
  it('prints the error line in red on a TTY', async () => {
    const r = await run(['url'], {}, true);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^\u001b\[31m ! {5}.* is not linked to an app\u001b\[39m\n {7}hint: run paas create \(a new app\) or paas link NAME \(an existing one\), or pass --app\n$/);
  });

  it('never colours with NO_COLOR, even on a TTY', async () => {
    const r = await run(['url'], { NO_COLOR: '1' }, true);
    expect(r.stderr).not.toContain('\u001b[');
    expect(r.stderr).toMatch(/^ ! {5}/);
  });

  it('adds the stack with --verbose', async () => {
    const r = await run(['--verbose', 'url'], {}, false);
    expect(r.stderr).toMatch(/^ ! {5}.*\n {7}hint: .*\n {7}PaasError: .*\n {7}at /);
  });

  it('turns a bad port in the environment into a usage error', async () => {
    const r = await run(['apps'], { PAAS_API_PORT: '80abc' }, false);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(' !     PAAS_API_PORT must be a port number from 1 to 65535, got "80abc"\n');
  });
});

describe('help', () => {
  it('shows examples for every command', async () => {
    const stdout = new Capture();
    const ctx = { config: readConfig({}), out: new Output(stdout, new Capture(), { noColor: true, forceColor: false }), stdin: process.stdin, cwd: '/' };
    const commands = allCommands(buildProgram(ctx));
    expect(commands.map((c) => c.name())).toEqual(
      expect.arrayContaining(['validate', 'server', 'start', 'stop', 'status', 'login', 'whoami', 'users', 'add', 'list', 'create', 'link', 'push', 'apps', 'info', 'url', 'open', 'destroy']),
    );
    for (const cmd of commands) {
      const text: string[] = [];
      cmd.configureOutput({ writeOut: (s) => text.push(s) });
      cmd.outputHelp();
      expect(text.join(''), `paas ${cmd.name()} --help`).toMatch(/\nExamples:\n {2}\$ .*paas /);
    }
  });
});
