import type { Command } from 'commander';
import {
  DEFAULT_LOG_TAIL, PaasError, isErrorCode, parseLogTail, parseLogTarget, parseSince,
  type BuildLogAnswer, type LogServerFrame,
} from '@paas/core';
import type WebSocket from 'ws';
import { apiClient, type Context } from '../context.js';
import { resolveApp } from '../link.js';
import { formatLogFrame } from '../log-format.js';
import { STEP } from '../output.js';
import { withAppOption } from './app-option.js';

interface LogsOptions {
  app?: string;
  lines?: string;
  follow: boolean;
  since?: string;
  json?: boolean;
  build?: string | true;
}

export function registerLogs(program: Command, ctx: Context): void {
  withAppOption(program.command('logs'))
    .argument('[instance]', 'a service (www) or one instance of it (www.2); default: every instance')
    .description("show an app's output: the last lines of every instance, then new lines as they are written")
    .option('-n, --lines <N>', `lines of each instance to show first (default ${DEFAULT_LOG_TAIL})`)
    .option('--since <when>', 'only lines since a duration ago (30s, 10m, 2h, 1d) or an RFC 3339 time')
    .option('--no-follow', 'print what is there and exit instead of following')
    .option('--json', 'print one JSON object per line: {time, instance, release, stream, text}')
    .option('--build [id]', "print a build's log and its deploy instead (default: the newest build)")
    .addHelpText('after', `
Lines look like "2026-11-29T10:00:00Z www.1 | text" (UTC). Instances started
by a push, scale or restart join as they start; the previous release's lines
are still shown after a push. Ctrl-C stops following.

Examples:
  $ paas logs                      # every instance, following
  $ paas logs www.2 -n 20          # the last 20 lines of www.2, then follow
  $ paas logs worker --since 10m --no-follow
  $ paas logs --json | jq -r .text
  $ paas logs --build              # the newest build and deploy
  $ paas logs --build 11810b9c -a blog`)
    .action(async (instance: string | undefined, opts: LogsOptions) => {
      if (opts.build !== undefined) {
        if (instance !== undefined) throw new PaasError('USAGE', 'give either an instance or --build, not both', { hint: 'paas logs --build [ID]' });
        return printBuildLog(ctx, opts);
      }
      // Checked before connecting: a typo is a usage error, not a server's 400.
      const query = new URLSearchParams();
      if (instance !== undefined) query.set('service', instanceText(instance));
      if (opts.lines !== undefined) query.set('tail', String(parseLogTail(opts.lines, 'USAGE')));
      if (opts.since !== undefined) {
        parseSince(opts.since, new Date(), 'USAGE');
        query.set('since', opts.since);
      }
      query.set('follow', opts.follow ? '1' : '0');
      const name = await resolveApp(opts.app, ctx.cwd);
      // Loaded here, not with the program: ws costs every other command about 0.1 s of start-up.
      const { openSocket } = await import('../ws-connect.js');
      const socket = await openSocket(ctx, `/apps/${encodeURIComponent(name)}/logs?${query.toString()}`);
      await printLogs(ctx, socket, opts.json === true);
    });
}

function instanceText(text: string): string {
  parseLogTarget(text, 'USAGE');
  return text;
}

/**
 * Prints frames until the server ends the stream (not following), the user
 * presses Ctrl-C, or stdout goes away (`| head`): all three exit 0. An error
 * frame or a lost connection rejects.
 */
function printLogs(ctx: Context, socket: WebSocket, json: boolean): Promise<void> {
  const stdout = ctx.out.stdout as typeof ctx.out.stdout & Partial<NodeJS.WritableStream>;
  return new Promise<void>((resolve, reject) => {
    let failure: PaasError | undefined;
    let ended = false;
    const stop = (): void => {
      ended = true;
      socket.close(1000);
      // A server that does not answer the close within a moment is left.
      setTimeout(() => socket.terminate(), 1_000).unref();
    };
    const onBrokenPipe = (err: NodeJS.ErrnoException): void => {
      if (err.code === 'EPIPE') stop();
    };
    process.once('SIGINT', stop);
    stdout.on?.('error', onBrokenPipe);
    let paused = false;
    const drained = (): void => {
      paused = false;
      socket.resume();
    };
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      let frame: LogServerFrame;
      try {
        frame = JSON.parse(data.toString()) as LogServerFrame;
      } catch {
        return;
      }
      if ('type' in frame) {
        if (frame.type === 'end') ended = true;
        if (frame.type === 'error') failure = isErrorCode(frame.error?.code) ? PaasError.fromBody(frame.error) : new PaasError('INTERNAL', 'reading the logs failed');
        return;
      }
      const line = json ? JSON.stringify(frame) : formatLogFrame(frame, ctx.out.outColor);
      // A slow terminal or pipe holds the socket, which holds the server.
      if (stdout.write(`${line}\n`) === false && typeof stdout.once === 'function' && !paused) {
        paused = true;
        socket.pause();
        stdout.once('drain', drained);
      }
    });
    socket.on('error', () => undefined); // 'close' follows and decides
    socket.resume();
    socket.on('close', (code) => {
      process.off('SIGINT', stop);
      stdout.off?.('error', onBrokenPipe);
      stdout.off?.('drain', drained);
      if (failure) return reject(failure);
      if (ended || code === 1000) return resolve();
      reject(new PaasError('API_UNREACHABLE', `the connection to the API was lost (WebSocket close ${code})`, {
        hint: 'check that the API runs (paas server status), then run paas logs again',
      }));
    });
  });
}

async function printBuildLog(ctx: Context, opts: LogsOptions): Promise<void> {
  const name = await resolveApp(opts.app, ctx.cwd);
  const id = opts.build === true || opts.build === undefined ? 'latest' : opts.build;
  const client = await apiClient(ctx);
  const answer = await client.request<BuildLogAnswer>('GET', `/apps/${encodeURIComponent(name)}/builds/${encodeURIComponent(id)}/log`);
  if (opts.json === true) return ctx.out.json(answer);
  ctx.out.note(`build ${answer.build.id} (#${answer.build.number}, ${answer.build.status}, ${answer.build.createdAt})`);
  for (const line of answer.lines) {
    if (line.startsWith(STEP)) ctx.out.step(line.slice(STEP.length));
    else ctx.out.line(line);
  }
}
