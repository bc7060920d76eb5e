import { PaasError, type PushEvent } from '@paas/core';
import { formatBytes, type Output } from './output.js';
import { PushFailed } from './render-error.js';

/**
 * Turns the push's NDJSON events into Heroku-style lines. Headers appear
 * when the phase or the service changes, so a long build reads as
 * `-----> Building www` followed by its indented output.
 */
export class PushRenderer {
  private phase: 'build' | 'deploy' | undefined;
  private service: string | undefined;
  /** Each service's own phase: data services are created while code builds, so lines of both interleave. */
  private readonly phases = new Map<string, 'build' | 'deploy'>();

  constructor(private readonly out: Output) {}

  private enter(phase: 'build' | 'deploy', service: string): void {
    this.phases.set(service, phase);
    if (this.phase === phase && this.service === service) return;
    this.phase = phase;
    this.service = service;
    this.out.step(`${phase === 'build' ? 'Building' : 'Deploying'} ${service}`);
  }

  private lines(text: string): void {
    for (const line of text.replace(/\r?\n$/, '').split(/\r?\n/)) this.out.detail(line.replace(/\r/g, ''));
  }

  /** Renders one event; returns the `done` event, throws on `error`. */
  render(event: PushEvent): Extract<PushEvent, { type: 'done' }> | undefined {
    switch (event.type) {
      case 'push.accepted':
        this.out.step(`Push ${event.push} accepted: ${event.files} files, ${formatBytes(event.bytes)} (build ${event.build})`);
        return undefined;
      case 'build.step':
        this.enter('build', event.service);
        if (event.step !== '') this.lines(event.step);
        return undefined;
      case 'deploy.step':
        this.enter('deploy', event.service);
        if (event.step !== '') this.lines(event.step);
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
export async function renderPush(events: AsyncIterable<PushEvent>, out: Output): Promise<Extract<PushEvent, { type: 'done' }>> {
  const renderer = new PushRenderer(out);
  let done: Extract<PushEvent, { type: 'done' }> | undefined;
  for await (const event of events) done = renderer.render(event) ?? done;
  if (done !== undefined) return done;
  throw new PaasError('API_UNREACHABLE', 'the connection to the API was lost', {
    hint: 'the push may still finish or fail on the server: check paas info once the API is back',
  });
}
