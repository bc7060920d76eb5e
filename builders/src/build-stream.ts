/** Turns the engine's JSON build stream into paas build events, as they arrive. Pure. */

export type BuildEvent =
  | { type: 'step'; step: string }
  | { type: 'log'; line: string }
  | { type: 'done'; imageId: string; tag: string };

export interface BuildFailure {
  /** The step being run when it failed, e.g. "Step 4/11 : RUN apt-get …". */
  step: string | undefined;
  /** The engine's own error text. */
  message: string;
  /** The failing step's last output lines (the tool's own error is usually here). */
  lastLines: string[];
}

/** An image the engine committed for a step; `cached` when it was reused, not built. */
export interface CommittedLayer {
  step: string;
  id: string;
  cached: boolean;
}

const STEP_RE = /^Step \d+\/\d+ : /;
const COMMITTED_RE = /^ ---> ([0-9a-f]{12,})$/;
const FROM_RE = /^Step \d+\/\d+ : FROM /i;
// Engine bookkeeping that says nothing to the person pushing.
const NOISE_RE = /^( ---> (Running in )?[0-9a-f]{12,}|Removing intermediate container [0-9a-f]+|Successfully (built|tagged) .*)$/;
const TAIL = 12;
// The engine colours a step's stderr; logs are plain text.
const ANSI_RE = /\x1b\[[0-9;]*[A-Za-z]/g;

interface EngineMessage {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

export class BuildStreamParser {
  imageId: string | undefined;
  failure: BuildFailure | undefined;
  /** Every step's image, in order: what a failed build leaves behind. */
  readonly committed: CommittedLayer[] = [];
  private step: string | undefined;
  private stepCached = false;
  private lastLines: string[] = [];
  private pending = '';
  private text = '';

  /** Feeds raw bytes from the engine; returns the events they complete. */
  feed(chunk: string): BuildEvent[] {
    this.pending += chunk;
    const events: BuildEvent[] = [];
    let newline: number;
    while ((newline = this.pending.indexOf('\n')) >= 0) {
      const raw = this.pending.slice(0, newline).trim();
      this.pending = this.pending.slice(newline + 1);
      if (raw !== '') this.message(raw, events);
    }
    return events;
  }

  /** Flushes what is left when the stream ends. */
  end(): BuildEvent[] {
    const events: BuildEvent[] = [];
    const raw = this.pending.trim();
    this.pending = '';
    if (raw !== '') this.message(raw, events);
    if (this.text !== '') this.line(this.text, events);
    this.text = '';
    return events;
  }

  private message(raw: string, events: BuildEvent[]): void {
    let msg: EngineMessage;
    try {
      msg = JSON.parse(raw) as EngineMessage;
    } catch {
      this.line(raw, events);
      return;
    }
    if (typeof msg.stream === 'string') this.streamText(msg.stream, events);
    if (typeof msg.status === 'string') this.line(msg.status, events);
    if (typeof msg.aux?.ID === 'string') this.imageId = msg.aux.ID;
    const error = msg.error ?? msg.errorDetail?.message;
    if (typeof error === 'string') {
      if (this.text !== '') this.line(this.text, events);
      this.text = '';
      this.failure = { step: this.step, message: error.trim(), lastLines: [...this.lastLines] };
    }
  }

  // `stream` text arrives in arbitrary pieces; only whole lines become events.
  private streamText(text: string, events: BuildEvent[]): void {
    const parts = (this.text + text).split('\n');
    this.text = parts.pop() ?? '';
    for (const part of parts) this.line(part, events);
  }

  private line(rawLine: string, events: BuildEvent[]): void {
    // Progress output redraws with \r; the last redraw is what a terminal shows.
    const line = (rawLine.replace(ANSI_RE, '').split('\r').filter((p) => p !== '').pop() ?? '').trimEnd();
    const committed = COMMITTED_RE.exec(line);
    if (committed !== null && this.step !== undefined) this.committed.push({ step: this.step, id: committed[1]!, cached: this.stepCached });
    if (line === ' ---> Using cache') this.stepCached = true;
    if (line.trim() === '' || NOISE_RE.test(line)) return;
    if (STEP_RE.test(line)) {
      this.step = line;
      this.stepCached = false;
      this.lastLines = [];
      events.push({ type: 'step', step: line });
      return;
    }
    this.lastLines.push(line);
    if (this.lastLines.length > TAIL) this.lastLines.shift();
    events.push({ type: 'log', line });
  }
}

/**
 * The images a failed build made that no later build will reuse: those built
 * (not taken from the cache) from the step that copies the code onwards,
 * newest first. Layers below the code (system packages, dependencies) stay as
 * cache for the next push. With no code step known (the app's own
 * Dockerfile), every image the build made goes.
 */
export function layersToRemove(committed: readonly CommittedLayer[], codeStep: string | undefined): string[] {
  const from = codeStep === undefined ? 0 : committed.findIndex((c) => c.step.endsWith(` : ${codeStep}`));
  if (from < 0) return [];
  // A FROM step's image is someone's base image, never the build's own.
  return committed.slice(from).filter((c) => !c.cached && !FROM_RE.test(c.step)).map((c) => c.id).reverse();
}
