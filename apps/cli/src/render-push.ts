import { formatDuration, PaasError, type PushEvent } from '@paas/core';
import { formatBytes, type Output } from './output.js';
import { LineProgress } from './progress.js';
import { PushFailed } from './render-error.js';

export interface RenderOptions {
  /** Every line of the build (the engine's steps, apt, npm, pip), as `paas push --verbose`. */
  verbose?: boolean;
}

/** `-----> heading` or `       detail`: lines a build step prints for the person pushing. */
const BUILDPACK_LINE_RE = /^(?:-----> (.+)|       (\S.*))$/;

/**
 * Turns the push's NDJSON events into Heroku-style lines. Headers appear
 * when the phase or the service changes, so a long build reads as
 * `-----> Building www (nodejs)`, then one `----->` line per build stage
 * with its duration. The build's own output (the engine's steps, apt, npm,
 * pip) is one line redrawn in place on a TTY and hidden off one; `verbose`
 * prints all of it, and `paas logs --build` always can.
 */
export class PushRenderer {
  private phase: 'build' | 'deploy' | undefined;
  private service: string | undefined;
  /** Each service's own phase: data services are created while code builds, so lines of both interleave. */
  private readonly phases = new Map<string, 'build' | 'deploy'>();
  private readonly verbose: boolean;
  private readonly progress: LineProgress;
  /** The stage being built was announced as taken from the cache. */
  private stageCached = false;

  constructor(private readonly out: Output, opts: RenderOptions = {}) {
    this.verbose = opts.verbose === true;
    this.progress = new LineProgress(out.stdout);
  }

  /** `text`: the step's own text, used as the header when it already says what the header would (no duplicated heading). */
  private enter(phase: 'build' | 'deploy', service: string, text = ''): boolean {
    this.phases.set(service, phase);
    if (this.phase === phase && this.service === service) return false;
    this.phase = phase;
    this.service = service;
    const header = `${phase === 'build' ? 'Building' : 'Deploying'} ${service}`;
    const own = text === header || text.startsWith(`${header} `);
    this.out.step(own ? text : header);
    return own;
  }

  private lines(text: string): void {
    for (const line of text.replace(/\r?\n$/, '').split(/\r?\n/)) this.out.detail(line.replace(/\r/g, ''));
  }

  /** Erases the progress line, e.g. before an error is printed. */
  end(): void {
    this.progress.clear();
  }

  /** Renders one event; returns the `done` event, throws on `error`. */
  render(event: PushEvent): Extract<PushEvent, { type: 'done' }> | undefined {
    if (event.type === 'log' && event.source === 'build' && !this.verbose) {
      // A build tool's own heading (`-----> …`) and its detail lines (seven
      // spaces, the buildpack convention) are written for the person pushing:
      // shown as they are. The rest is chatter for the progress line.
      const own = BUILDPACK_LINE_RE.exec(event.line);
      if (own === null) {
        this.progress.update(event.line);
        return undefined;
      }
      this.progress.clear();
      if (own[1] !== undefined) this.out.step(own[1]);
      else this.out.detail(own[2] ?? '');
      return undefined;
    }
    this.progress.clear();
    switch (event.type) {
      case 'push.accepted':
        this.out.step(`Push ${event.push} accepted: ${event.files} files, ${formatBytes(event.bytes)} (build ${event.build})`);
        return undefined;
      case 'build.step':
        if (!this.enter('build', event.service, event.step) && event.step !== '') this.lines(event.step);
        return undefined;
      case 'build.stage':
        this.enter('build', event.service);
        this.stageCached = event.cached;
        this.out.step(event.cached ? `${event.title} (using cache)` : event.title);
        return undefined;
      case 'build.stage.done':
        // A stage announced as cached says so on its own line; one that turned out not to be gets its time.
        if (!(event.cached && this.stageCached)) this.out.detail(`done in ${formatDuration(event.ms)}`);
        return undefined;
      case 'deploy.step':
        if (!this.enter('deploy', event.service, event.step) && event.step !== '') this.lines(event.step);
        return undefined;
      case 'log':
        if (event.service !== undefined && this.phase !== undefined && this.service !== event.service) {
          this.enter(this.phases.get(event.service) ?? this.phase, event.service);
        }
        this.lines(event.line);
        return undefined;
      case 'warning':
        this.out.warn(event.path !== undefined ? `${event.path}: ${event.message}` : event.message);
        return undefined;
      case 'deploy.instance':
        this.enter('deploy', event.service);
        this.out.detail(`${event.instance}: ${event.state}`);
        return undefined;
      case 'deploy.switch':
        this.out.step(`${event.service} switched to ${event.release} (${event.targets} ${event.targets === 1 ? 'instance' : 'instances'})`);
        this.phase = undefined;
        this.service = undefined;
        return undefined;
      case 'done':
        // A push or env change that changed nothing made no release: say so, and which one serves.
        if (event.note !== undefined) this.out.step(event.note);
        // No url: the release runs only workers, and a URL would answer 404.
        else this.out.step(event.url !== undefined ? `Live at ${event.url}` : `Released ${event.release} (no web service: workers only)`);
        return event;
      case 'env.stored':
        this.out.step(event.note);
        return undefined;
      case 'error':
        throw new PushFailed(PaasError.fromBody(event.error), event.logs ?? []);
      default:
        // An event type newer than this CLI: ignore it rather than fail a good push.
        return undefined;
    }
  }
}

/** Renders a whole event stream (events after `done` too); resolves with the `done` event. */
export async function renderPush(events: AsyncIterable<PushEvent>, out: Output, opts: RenderOptions = {}): Promise<Extract<PushEvent, { type: 'done' }>> {
  const renderer = new PushRenderer(out, opts);
  let done: Extract<PushEvent, { type: 'done' }> | undefined;
  try {
    for await (const event of events) done = renderer.render(event) ?? done;
  } finally {
    renderer.end();
  }
  if (done !== undefined) return done;
  throw new PaasError('API_UNREACHABLE', 'the connection to the API was lost', {
    hint: 'the push may still finish or fail on the server: check paas info once the API is back',
  });
}
