import type { Config } from './config.js';

/** Where a command writes, and whether each stream gets colour. */
export interface Sink {
  write(text: string): unknown;
  isTTY?: boolean | undefined;
  /** The process stream behind the sink, for commands that stream bytes (`paas run`). */
  readonly raw?: unknown;
}

const codes = { red: [31, 39], yellow: [33, 39], green: [32, 39], cyan: [36, 39], bold: [1, 22], dim: [2, 22] } as const;
export type Style = keyof typeof codes;

export function paint(text: string, style: Style, color: boolean): string {
  if (!color) return text;
  const [open, close] = codes[style];
  return `\u001b[${open}m${text}\u001b[${close}m`;
}

/** Heroku/Dokku prefixes: a step, an indented output line, an error. */
export const STEP = '-----> ';
export const INDENT = '       ';
export const BANG = ' !     ';

export function shouldColor(stream: Sink, config: Pick<Config, 'noColor' | 'forceColor'>): boolean {
  if (config.noColor) return false;
  if (config.forceColor) return true;
  return stream.isTTY === true;
}

export class Output {
  readonly outColor: boolean;
  readonly errColor: boolean;

  constructor(
    readonly stdout: Sink,
    readonly stderr: Sink,
    config: Pick<Config, 'noColor' | 'forceColor'>,
  ) {
    this.outColor = shouldColor(stdout, config);
    this.errColor = shouldColor(stderr, config);
  }

  /** A plain line on stdout (what scripts read). */
  line(text = ''): void {
    this.stdout.write(`${text}\n`);
  }

  /** `-----> Building www` */
  step(text: string): void {
    this.line(paint(STEP, 'cyan', this.outColor) + paint(text, 'bold', this.outColor));
  }

  /** An indented output line under a step. */
  detail(text: string): void {
    this.line(INDENT + text);
  }

  /** `=== blog` section title, as heroku info prints it. */
  section(text: string): void {
    this.line(paint(`=== ${text}`, 'bold', this.outColor));
  }

  json(value: unknown): void {
    this.line(JSON.stringify(value, null, 2));
  }

  /** Warnings go to stderr so that stdout stays parseable. */
  warn(text: string): void {
    this.stderr.write(`${paint(BANG, 'yellow', this.errColor)}${paint('warning:', 'yellow', this.errColor)} ${text}\n`);
  }

  /** Progress and notes that are not the command's result. */
  note(text: string): void {
    this.stderr.write(`${text}\n`);
  }
}

/** How wide a cell shows: without the colour codes paint() adds. */
const shown = (cell: string): number => cell.replace(/\u001b\[\d+m/g, '').length;

/** Left-aligned columns, two spaces apart (painted cells line up too). */
export function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, shown(cell))));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - shown(cell)))).join('  ').trimEnd());
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
