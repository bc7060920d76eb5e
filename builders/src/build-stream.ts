/** Turns the engine's JSON build stream into paas build events, as they arrive. Pure. */
import type { BuildStageKind } from '@paas/core';
import type { StepInfo } from './build-plan.js';

export type BuildEvent =
  /** The engine's own step line, "Step 4/11 : RUN …" (verbose output). */
  | { type: 'step'; step: string }
  /** A stage of the plan begins (StepInfo.title); `cached`: all of it came from the cache (then announced as it ends). */
  | { type: 'stage'; kind: BuildStageKind; title: string; cached: boolean }
  | { type: 'stage.done'; kind: BuildStageKind; title: string; ms: number; cached: boolean }
  | { type: 'log'; line: string }
  | { type: 'done'; imageId: string; tag: string };

export interface BuildFailure {
  /** The step being run when it failed, e.g. "Step 4/11 : RUN apt-get …". */
  step: string | undefined;
  /** What the plan says the failing step does, when it says. */
  info?: StepInfo | undefined;
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

export interface BuildStreamOptions {
  /** The plan's steps (BuildPlan.steps); without them every RUN, COPY and ADD is a stage of its own. */
  steps?: Record<string, StepInfo> | undefined;
  now?: () => number;
}

interface OpenStage {
  info: StepInfo;
  started: number;
  /** Every finished step of it came from the cache. */
  cached: boolean;
  announced: boolean;
}

const TITLE_MAX = 72;
const STEP_RE = /^Step \d+\/\d+ : (.*)$/;
const SHOWN_RE = /^(RUN|COPY|ADD) /i;
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
  private stepInfo: StepInfo | undefined;
  private stepCached = false;
  private stage: OpenStage | undefined;
  private readonly steps: Record<string, StepInfo> | undefined;
  private readonly now: () => number;

  constructor(opts: BuildStreamOptions = {}) {
    this.steps = opts.steps;
    this.now = opts.now ?? Date.now;
  }
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
    if (this.failure === undefined) this.closeStage(events);
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
      this.failure = { step: this.step, info: this.stepInfo, message: error.trim(), lastLines: [...this.lastLines] };
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
    const step = STEP_RE.exec(line);
    // The engine says whether it reuses a step's layer on the line after the step. A
    // stage is announced once a step of it is built, or, all taken from the cache, as it ends.
    // Only a step of the stage itself: an unlisted step inside it (CMD after a
    // spec change) says nothing about whether the cache had the stage.
    if (step === null && line.trim() !== '' && !this.stepCached && this.inStage()) this.announce(events, false);
    if (line.trim() === '' || NOISE_RE.test(line)) return;
    if (step !== null) {
      this.startStep(line, step[1]!, events);
      events.push({ type: 'step', step: line });
      return;
    }
    this.lastLines.push(line);
    if (this.lastLines.length > TAIL) this.lastLines.shift();
    events.push({ type: 'log', line });
  }

  private startStep(line: string, instruction: string, events: BuildEvent[]): void {
    if (this.stage !== undefined && this.stepInfo?.title === this.stage.info.title) this.stage.cached &&= this.stepCached;
    const info = this.infoOf(instruction);
    // A step the plan does not list (USER root around an install, ENV) does
    // not end the stage it sits in: only a step of another stage does.
    if (info !== undefined && info.title !== this.stage?.info.title) {
      this.closeStage(events);
      this.stage = { info, started: this.now(), cached: true, announced: false };
    }
    this.step = line;
    this.stepInfo = info;
    this.stepCached = false;
    this.lastLines = [];
  }

  private inStage(): boolean {
    return this.stage !== undefined && this.stepInfo?.title === this.stage.info.title;
  }

  private infoOf(instruction: string): StepInfo | undefined {
    if (this.steps !== undefined) return this.steps[instruction] ?? this.loose().get(squeeze(instruction));
    if (!SHOWN_RE.test(instruction)) return undefined;
    const title = instruction.length > TITLE_MAX ? `${instruction.slice(0, TITLE_MAX - 1)}…` : instruction;
    return { kind: 'other', title };
  }

  // The engine may space an exec-form instruction differently from the Dockerfile.
  private looseSteps: Map<string, StepInfo> | undefined;
  private loose(): Map<string, StepInfo> {
    this.looseSteps ??= new Map(Object.entries(this.steps ?? {}).map(([k, v]) => [squeeze(k), v]));
    return this.looseSteps;
  }

  private announce(events: BuildEvent[], cached: boolean): void {
    const stage = this.stage;
    if (stage === undefined || stage.announced) return;
    stage.announced = true;
    events.push({ type: 'stage', kind: stage.info.kind, title: stage.info.title, cached });
  }

  private closeStage(events: BuildEvent[]): void {
    const stage = this.stage;
    if (stage === undefined) return;
    // The step still open is the stage's last one.
    if (this.stepInfo?.title === stage.info.title) stage.cached &&= this.stepCached;
    this.announce(events, stage.cached);
    this.stage = undefined;
    events.push({ type: 'stage.done', kind: stage.info.kind, title: stage.info.title, ms: this.now() - stage.started, cached: stage.cached });
  }
}

function squeeze(instruction: string): string {
  return instruction.replace(/\s+/g, '');
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
