import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A real pseudo-terminal driven through tmux, for commands that behave
 * differently on a terminal (`paas run` with a TTY). Each terminal has its
 * own tmux server (-L), started with the given environment and no user
 * config; close() ends it.
 */
export class Terminal {
  private constructor(
    private readonly socket: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Starts `argv` in a fresh cols × rows terminal in `cwd`. */
  static async open(argv: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; cols?: number; rows?: number }): Promise<Terminal> {
    try {
      await run('tmux', ['-V']);
    } catch {
      throw new Error('tmux is missing: apt-get install -y tmux (the run tests drive a real terminal with it)');
    }
    const socket = `paas-e2e-${randomBytes(4).toString('hex')}`;
    const t = new Terminal(socket, opts.env);
    // The shell line keeps the pane open after the command, with its exit status to read.
    const line = `${argv.map(quote).join(' ')}; echo "[exited $?]"; sleep 600`;
    await t.tmux(['-f', '/dev/null', 'new-session', '-d', '-s', 'main', '-x', String(opts.cols ?? 100), '-y', String(opts.rows ?? 30), '-c', opts.cwd, line]);
    return t;
  }

  /** Types text; `enter` presses Enter after it. */
  async type(text: string, enter = true): Promise<void> {
    await this.tmux(['send-keys', '-t', 'main', '-l', text]);
    if (enter) await this.tmux(['send-keys', '-t', 'main', 'Enter']);
  }

  /** What the terminal shows now (the visible screen plus scrollback). */
  async screen(): Promise<string> {
    return (await this.tmux(['capture-pane', '-p', '-J', '-S', '-200', '-t', 'main'])).stdout;
  }

  /** Waits until the screen matches; fails with what it shows. */
  async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      last = await this.screen();
      const m = pattern.exec(last);
      if (m) return m;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the terminal never showed ${pattern} in ${timeoutMs} ms; it shows:\n${last}`);
  }

  async close(): Promise<void> {
    await this.tmux(['kill-server']).catch(() => undefined);
  }

  private tmux(args: string[]): Promise<{ stdout: string }> {
    return run('tmux', ['-L', this.socket, ...args], { env: this.env });
  }
}

function quote(arg: string): string {
  return /^[A-Za-z0-9_./=:-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
